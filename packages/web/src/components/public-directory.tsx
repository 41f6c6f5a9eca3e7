import type { PublicChatSummary } from '@papo/protocol';
import { LIMITS } from '@papo/protocol';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';
import { Avatar } from './avatar';
import { DrawerHeader } from './drawer-header';

const REFRESH_MS = 10_000;

/** The public chats: create one, or join (or open) one from the list with its member count. */
export function PublicDirectory({ onBack, onOpened }: { onBack: () => void; onOpened: (chatId: string) => void }) {
  const store = useStore();
  const [chats, setChats] = useState<PublicChatSummary[] | null>(null);
  const [title, setTitle] = useState('');
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setChats(await store.client.publicChats());
    } catch (err) {
      setError(errorText(err, t));
    }
  }, [store]);

  useEffect(() => {
    void load();
    // Member counts of chats the user is not in change without an event to the user: poll while open.
    const timer = setInterval(load, REFRESH_MS);
    const offs = [store.client.on('chat_member_added', load), store.client.on('chat_member_removed', load)];
    return () => {
      clearInterval(timer);
      for (const off of offs) off();
    };
  }, [store, load]);

  const act = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      onOpened(await action());
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    const name = title.trim();
    if (name) void act(() => store.createPublic(name));
  };

  const needle = query.trim().toLocaleLowerCase();
  const sorted = [...(chats ?? [])]
    .filter((c) => !needle || c.title.toLocaleLowerCase().includes(needle))
    .sort((a, b) => b.member_count - a.member_count || a.title.localeCompare(b.title));
  return (
    <section className="drawer" aria-label={t('public.title')}>
      <DrawerHeader title={t('public.title')} onBack={onBack} />
      <form className="create-chat" onSubmit={create}>
        <label className="field">
          <span>{t('public.create')}</span>
          <span className="inline-field">
            <input
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              maxLength={LIMITS.chatTitleMaxLength}
              placeholder={t('public.newTitle')}
              required
            />
            <button type="submit" className="primary small" disabled={busy || !title.trim()}>
              {t('public.createButton')}
            </button>
          </span>
        </label>
      </form>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <h3 className="drawer-section">{t('public.available')}</h3>
      {chats && chats.length > 8 ? (
        <div className="search">
          <label className="search-box">
            <span className="sr-only">{t('public.filter')}</span>
            <input
              type="search"
              value={query}
              placeholder={t('public.filter')}
              onChange={(e) => setQuery(e.target.value)}
            />
          </label>
        </div>
      ) : null}
      {chats && chats.length === 0 ? <p className="list-empty">{t('public.none')}</p> : null}
      <ul className="people-list">
        {sorted.map((chat) => {
          const member = store.chat(chat.chat_id) !== undefined;
          const count =
            chat.member_count === 1 ? t('public.member') : t('public.members', { count: chat.member_count });
          return (
            <li key={chat.chat_id} className="directory-row">
              <Avatar id={chat.chat_id} name={chat.title} size={40} group />
              <span className="person-main">
                <span className="chat-title">{chat.title}</span>
                <span className="person-sub">{count}</span>
              </span>
              <button
                type="button"
                className={member ? 'secondary small' : 'primary small'}
                disabled={busy}
                aria-label={`${member ? t('public.open') : t('public.join')}: ${chat.title}`}
                onClick={() =>
                  void act(async () => {
                    if (!member) await store.join(chat.chat_id);
                    return chat.chat_id;
                  })
                }
              >
                {member ? t('public.open') : t('public.join')}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

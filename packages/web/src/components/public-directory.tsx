import type { PublicChatSummary } from '@papo/protocol';
import { LIMITS } from '@papo/protocol';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';
import { Avatar } from './avatar';
import { DrawerHeader } from './drawer-header';
import { FormError } from './form-error';

const REFRESH_MS = 10_000;
const PAGE = LIMITS.chatsPageDefault;

/** The chats shown and where the next page starts (null: none left). */
type Listing = { chats: PublicChatSummary[]; cursor: string | null };

/** `older` after `newer`, without the chats `newer` already has. */
function appendNew(newer: PublicChatSummary[], older: PublicChatSummary[]): PublicChatSummary[] {
  const seen = new Set(newer.map((c) => c.chat_id));
  return [...newer, ...older.filter((c) => !seen.has(c.chat_id))];
}

/**
 * The public chats: create one, or join (or open) one from the list with its member count. The server lists
 * them a page at a time, the newest first: more come with "Show more".
 */
export function PublicDirectory({ onBack, onOpened }: { onBack: () => void; onOpened: (chatId: string) => void }) {
  const store = useStore();
  const [listing, setListing] = useState<Listing | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [title, setTitle] = useState('');
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chats = listing?.chats ?? null;

  // The first page again (new chats, fresh counts); pages shown beyond it stay, and so does their cursor.
  const load = useCallback(async () => {
    try {
      const page = await store.client.publicChatsPage({ limit: PAGE });
      setListing((held) =>
        held && held.chats.length > page.chats.length
          ? { chats: appendNew(page.chats, held.chats), cursor: held.cursor }
          : { chats: page.chats, cursor: page.next_cursor },
      );
    } catch (err) {
      setError(errorText(err, t));
    }
  }, [store]);

  const loadMore = async () => {
    if (!listing?.cursor) return;
    setLoadingMore(true);
    try {
      const page = await store.client.publicChatsPage({ cursor: listing.cursor, limit: PAGE });
      setListing((held) => ({ chats: appendNew(held?.chats ?? [], page.chats), cursor: page.next_cursor }));
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setLoadingMore(false);
    }
  };

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
      <FormError error={error} />
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
      {listing?.cursor ? (
        <div className="directory-more">
          <button type="button" className="secondary small" disabled={loadingMore} onClick={() => void loadMore()}>
            {loadingMore ? t('public.loading') : t('public.more')}
          </button>
        </div>
      ) : null}
    </section>
  );
}

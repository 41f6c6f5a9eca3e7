import type { UserProfile } from '@papo/protocol';
import { useEffect, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { useStore } from '../state/react';
import { Avatar } from './avatar';
import { DrawerHeader } from './drawer-header';

/** Everyone online does not send presence to strangers: the list is polled while the drawer is open. */
const REFRESH_MS = 5000;

/** "New chat": the users online now; picking one opens (or creates) the DM. */
export function OnlineUsers({ onBack, onOpened }: { onBack: () => void; onOpened: (chatId: string) => void }) {
  const store = useStore();
  const [users, setUsers] = useState<UserProfile[] | null>(null);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    const load = async () => {
      try {
        const list = await store.client.onlineUsers();
        if (!alive) return;
        for (const u of list) store.people.seed(u.user_id, { username: u.username, avatar_url: u.avatar_url });
        setUsers(list.filter((u) => u.user_id !== store.client.userId));
      } catch (err) {
        if (alive) setError(errorText(err, t));
      }
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [store]);

  const start = async (user: UserProfile) => {
    setBusy(user.user_id);
    setError(null);
    try {
      onOpened(await store.openDm(user.user_id));
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(null);
    }
  };

  const needle = query.trim().toLocaleLowerCase();
  const shown = (users ?? []).filter((u) => !needle || u.username.toLocaleLowerCase().includes(needle));
  return (
    <section className="drawer" aria-label={t('online.title')}>
      <DrawerHeader title={t('online.title')} onBack={onBack} />
      <div className="search">
        <label className="search-box">
          <span className="sr-only">{t('online.filter')}</span>
          <input
            type="search"
            value={query}
            placeholder={t('online.filter')}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
      </div>
      <h3 className="drawer-section">{t('online.subtitle')}</h3>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {users && shown.length === 0 ? <p className="list-empty">{t('online.none')}</p> : null}
      <ul className="people-list">
        {shown.map((user) => (
          <li key={user.user_id}>
            <button
              type="button"
              className="person-row"
              data-user-id={user.user_id}
              disabled={busy !== null}
              aria-label={t('online.start', { name: user.username })}
              onClick={() => void start(user)}
            >
              <Avatar id={user.user_id} name={user.username} url={user.avatar_url} size={40} online />
              <span className="person-main">
                <span className="chat-title">{user.username}</span>
                <span className="person-sub">{t('conv.online')}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

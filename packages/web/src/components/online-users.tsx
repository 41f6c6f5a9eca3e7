import type { UserProfile } from '@papo/protocol';
import { useEffect, useState } from 'react';
import { locale, t } from '../i18n';
import { orderContacts } from '../lib/contacts';
import { errorText } from '../lib/errors';
import { lastSeenText } from '../lib/time';
import { useContactSearch } from '../state/contact-search';
import { useNow, useStore } from '../state/react';
import { Avatar } from './avatar';
import { DrawerHeader } from './drawer-header';
import { FormError } from './form-error';
import { GroupIcon } from './icons';
import { PeopleSearch } from './people-search';

/** Strangers send no presence: the list of others online is polled while the drawer is open. */
const REFRESH_MS = 5000;

type Row = { user_id: string; username: string; avatar_url: string; online: boolean; sub: string };

/**
 * "New chat": the people one shares a chat with (GET /api/contacts, a page at a time, more on "Show more"),
 * online first then by name, with their presence kept current by presence events; then the others online now,
 * so a first run with no chat yet still finds someone. Picking one opens (or creates) the DM.
 */
export function OnlineUsers({
  onBack,
  onOpened,
  onNewGroup,
}: {
  onBack: () => void;
  onOpened: (chatId: string) => void;
  onNewGroup: () => void;
}) {
  const store = useStore();
  const now = useNow(30_000);
  const search = useContactSearch(store);
  const { contacts, hasMore, loadingMore, loadMore, query, found, error, setError } = search;
  const [others, setOthers] = useState<UserProfile[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    const loadOnline = async () => {
      try {
        const list = await store.client.onlineUsers();
        if (!alive) return;
        for (const u of list) store.people.seed(u.user_id, { username: u.username, avatar_url: u.avatar_url });
        setOthers(list);
      } catch (err) {
        if (alive) setError(errorText(err, t));
      }
    };
    void loadOnline();
    const timer = setInterval(loadOnline, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [store, setError]);

  const start = async (userId: string) => {
    setBusy(userId);
    setError(null);
    try {
      onOpened(await store.openDm(userId));
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(null);
    }
  };

  const me = store.client.userId;
  const needle = query.trim().toLocaleLowerCase();
  const matches = (name: string) => !needle || name.toLocaleLowerCase().includes(needle);
  // Presence as this client knows it now (events since the list came), else as the list said.
  const contactRows: Row[] = orderContacts(
    (contacts ?? []).map((u) => {
      const person = store.people.get(u.user_id);
      const online = store.isOnline(u.user_id) ?? u.online;
      const lastSeen = person?.last_seen ?? u.last_seen;
      return {
        user_id: u.user_id,
        username: person?.username || u.username,
        avatar_url: person?.avatar_url || (u.avatar_url ?? ''),
        online,
        sub: online ? t('conv.online') : lastSeen ? lastSeenText(lastSeen, now, locale, t) : '',
      };
    }),
    locale,
  ).filter((row) => matches(row.username));
  const contactIds = new Set(contacts?.map((u) => u.user_id));
  const otherRows: Row[] = orderContacts(
    (others ?? [])
      .filter((u) => u.user_id !== me && !contactIds.has(u.user_id))
      .map((u) => ({ ...u, online: true, sub: t('conv.online') })),
    locale,
  ).filter((row) => matches(row.username));

  const list = (rows: Row[]) => (
    <ul className="people-list">
      {rows.map((row) => (
        <li key={row.user_id}>
          <button
            type="button"
            className="person-row"
            data-user-id={row.user_id}
            data-online={row.online ? 'true' : 'false'}
            disabled={busy !== null}
            onClick={() => void start(row.user_id)}
          >
            <Avatar id={row.user_id} name={row.username} url={row.avatar_url} size={40} online={row.online} />
            <span className="person-main">
              <span className="chat-title">{row.username}</span>
              <span className="person-sub">{row.sub}</span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );

  return (
    <section className="drawer" aria-label={t('online.title')}>
      <DrawerHeader title={t('online.title')} onBack={onBack} />
      <div className="new-group-entry">
        <button type="button" className="person-row" onClick={onNewGroup}>
          <span className="action-avatar" aria-hidden="true">
            <GroupIcon size={24} />
          </span>
          <span className="person-main">
            <span className="chat-title">{t('sidebar.newGroup')}</span>
          </span>
        </button>
      </div>
      <PeopleSearch search={search} label={t('online.filter')} />
      {found ? (
        found.user ? (
          <>
            <h3 className="drawer-section">{t('online.found')}</h3>
            {list([
              {
                user_id: found.user.user_id,
                username: found.user.username,
                avatar_url: found.user.avatar_url ?? '',
                online: found.user.online,
                sub: found.user.about ?? (found.user.online ? t('conv.online') : ''),
              },
            ])}
          </>
        ) : (
          <p className="list-empty" role="status">
            {t('online.notFound', { address: found.text })}
          </p>
        )
      ) : null}
      <FormError error={error} />
      <h3 className="drawer-section">{t('online.contacts')}</h3>
      {contacts && contactRows.length === 0 ? <p className="list-empty">{t('online.noContacts')}</p> : null}
      <div className="contacts-list">{list(contactRows)}</div>
      {hasMore ? (
        <div className="directory-more">
          <button type="button" className="secondary small" disabled={loadingMore} onClick={() => void loadMore()}>
            {loadingMore ? t('public.loading') : t('online.more')}
          </button>
        </div>
      ) : null}
      <h3 className="drawer-section">{t('online.subtitle')}</h3>
      {others && otherRows.length === 0 ? <p className="list-empty">{t('online.none')}</p> : null}
      <div className="others-online">{list(otherRows)}</div>
    </section>
  );
}

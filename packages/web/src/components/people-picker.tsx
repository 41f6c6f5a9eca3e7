import type { Contact } from '@papo/protocol';
import { locale, t } from '../i18n';
import { orderContacts } from '../lib/contacts';
import { lastSeenText } from '../lib/time';
import { useContactSearch } from '../state/contact-search';
import { useNow, useStore } from '../state/react';
import { Avatar } from './avatar';
import { FormError } from './form-error';
import { PeopleSearch } from './people-search';

/** Someone picked: enough to show a chip and to send their id. */
export type Picked = { user_id: string; username: string; avatar_url: string };

/**
 * Picking people for a group: the contacts (GET /api/contacts, a page at a time) as checkboxes, filtered by
 * the search text, and anyone else found by the exact phone or e-mail typed there (GET /api/users/lookup), as
 * "New chat" does. The picked show as chips above, each with a button to take them out. `exclude`: already in.
 */
export function PeoplePicker({
  picked,
  onChange,
  exclude,
}: {
  picked: Picked[];
  onChange: (picked: Picked[]) => void;
  exclude?: ReadonlySet<string>;
}) {
  const store = useStore();
  const now = useNow(30_000);
  const search = useContactSearch(store);
  const { contacts, hasMore, loadingMore, loadMore, query, target, found, error } = search;

  const me = store.client.userId;
  const pickedIds = new Set(picked.map((p) => p.user_id));
  const toggle = (person: Picked) =>
    onChange(pickedIds.has(person.user_id) ? picked.filter((p) => p.user_id !== person.user_id) : [...picked, person]);
  const needle = query.trim().toLocaleLowerCase();
  const rows = orderContacts(
    (contacts ?? [])
      .filter((u) => u.user_id !== me && !exclude?.has(u.user_id))
      .map((u) => {
        const person = store.people.get(u.user_id);
        return {
          ...u,
          username: person?.username || u.username,
          avatar_url: person?.avatar_url || (u.avatar_url ?? ''),
          online: store.isOnline(u.user_id) ?? u.online,
          last_seen: person?.last_seen ?? u.last_seen,
        };
      }),
    locale,
  ).filter((u) => !needle || u.username.toLocaleLowerCase().includes(needle));
  const lookedUp = found;
  const extra =
    lookedUp?.user && lookedUp.user.user_id !== me && !rows.some((r) => r.user_id === lookedUp.user?.user_id)
      ? lookedUp.user
      : null;

  const row = (u: Contact) => {
    const checked = pickedIds.has(u.user_id);
    const already = exclude?.has(u.user_id) ?? false;
    const sub = u.online ? t('conv.online') : u.last_seen ? lastSeenText(u.last_seen, now, locale, t) : '';
    return (
      <li key={u.user_id}>
        <label className="person-row pick-row" data-user-id={u.user_id}>
          <input
            type="checkbox"
            checked={checked || already}
            disabled={already}
            onChange={() => toggle({ user_id: u.user_id, username: u.username, avatar_url: u.avatar_url ?? '' })}
          />
          <Avatar id={u.user_id} name={u.username} url={u.avatar_url ?? ''} size={40} online={u.online} />
          <span className="person-main">
            <span className="chat-title">{u.username}</span>
            <span className="person-sub">{already ? t('inviteCard.already') : sub}</span>
          </span>
        </label>
      </li>
    );
  };

  return (
    <div className="people-picker">
      {picked.length > 0 ? (
        <ul className="chips" aria-label={t('group.selected', { count: picked.length })}>
          {picked.map((p) => (
            <li key={p.user_id} className="chip">
              <Avatar id={p.user_id} name={p.username} url={p.avatar_url} size={24} />
              <span className="chip-name">{p.username}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={t('group.unselect', { name: p.username })}
                title={t('group.unselect', { name: p.username })}
                onClick={() => toggle(p)}
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <PeopleSearch search={search} label={t('group.search')} findOnEnter />
      {lookedUp && !lookedUp.user ? (
        <p className="list-empty" role="status">
          {t('online.notFound', { address: lookedUp.text })}
        </p>
      ) : null}
      <FormError error={error} />
      <ul className="people-list pick-list">
        {extra ? row(extra) : null}
        {rows.map(row)}
      </ul>
      {contacts && rows.length === 0 && !extra && needle && !target ? (
        <p className="list-empty">{t('group.noMatch', { query: query.trim() })}</p>
      ) : null}
      {contacts && contacts.length === 0 && !needle ? <p className="list-empty">{t('online.noContacts')}</p> : null}
      {hasMore ? (
        <div className="directory-more">
          <button type="button" className="secondary small" disabled={loadingMore} onClick={() => void loadMore()}>
            {loadingMore ? t('public.loading') : t('online.more')}
          </button>
        </div>
      ) : null}
    </div>
  );
}

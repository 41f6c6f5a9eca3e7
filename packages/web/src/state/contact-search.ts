import { PapoError } from '@papo/client';
import type { Contact } from '@papo/protocol';
import { useEffect, useState } from 'react';
import { t } from '../i18n';
import { lookupTarget, mergeById } from '../lib/contacts';
import { errorText } from '../lib/errors';
import type { AppStore } from './store';

/** What "Find" answered for a search text: the person, or null when nobody logs in with it. */
export type Found = { text: string; user: Contact | null };

/** Contacts come with presence: the people store keeps them without asking for each again. */
function remember(store: AppStore, users: Contact[]): void {
  for (const u of users) store.people.known({ ...u, avatar_url: u.avatar_url ?? '' });
}

/**
 * Finding people, as "New chat" and the group member picker do: the contacts (GET /api/contacts, the first
 * page at once, more on `loadMore`), a search text, and `find` for anyone else by the exact phone or e-mail
 * typed in it (GET /api/users/lookup; `target` says whether the text is one).
 */
export function useContactSearch(store: AppStore) {
  /** The contacts held (null until the first page) and the cursor of the next page (null: all are held). */
  const [listing, setListing] = useState<{ users: Contact[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    store.client.contacts().then(
      (page) => {
        if (!alive) return;
        remember(store, page.users);
        setListing({ users: page.users, cursor: page.next_cursor });
      },
      (err: unknown) => alive && setError(errorText(err, t)),
    );
    return () => {
      alive = false;
    };
  }, [store]);

  const loadMore = async () => {
    if (!listing?.cursor) return;
    setLoadingMore(true);
    try {
      const page = await store.client.contacts(listing.cursor);
      remember(store, page.users);
      setListing((held) => ({ users: mergeById(held?.users ?? [], page.users), cursor: page.next_cursor }));
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setLoadingMore(false);
    }
  };

  const target = lookupTarget(query);
  const find = async () => {
    if (!target) return;
    setError(null);
    const text = query.trim();
    try {
      const user = await store.client.lookupUser(target);
      remember(store, [user]);
      setFound({ text, user });
    } catch (err) {
      if (err instanceof PapoError && err.code === 'not_found') setFound({ text, user: null });
      else setError(errorText(err, t));
    }
  };

  return {
    contacts: listing?.users ?? null,
    hasMore: Boolean(listing?.cursor),
    loadingMore,
    loadMore,
    query,
    setQuery,
    target,
    /** The answer of `find` for the text now in the search box, if it was asked. */
    found: found && found.text === query.trim() ? found : null,
    find,
    error,
    setError,
  };
}

export type ContactSearch = ReturnType<typeof useContactSearch>;

import type { ChatSnapshot } from '@papo/client';
import type { MyProfile } from '@papo/protocol';
import { type DBSchema, deleteDB, type IDBPDatabase, openDB } from 'idb';
import type { ChatItem } from '../state/chats';
import type { Person } from '../state/people';

export const CACHE_DB_NAME = 'papo-cache';

/** A chat of the list as stored: a `ChatItem` with its set of unread ids as an array (plain JSON, compared as
 * such to skip writes that change nothing); a group the user left is not kept. */
export type CachedChat = Omit<ChatItem, 'localUnread' | 'gone' | 'goneBy'> & { localUnread: number[] };

/** The list, the people in it and the user's own profile: one record, written whole. */
export type CachedState = {
  user_id: string;
  saved_at: number;
  chats: CachedChat[];
  people: Array<Pick<Person, 'user_id' | 'username' | 'avatar_url'>>;
  me?: MyProfile;
};

interface CacheSchema extends DBSchema {
  /** One record, key 'state': the chat list and profiles; its user_id says whose the whole database is. */
  state: { key: string; value: CachedState };
  /** One record per chat: its position and newest messages (the SDK's ChatSnapshot). */
  logs: { key: string; value: ChatSnapshot };
}

/**
 * The offline cache's database: what the last session showed, for the next page load to show at once. One user's
 * at a time (its state says whose); deleted at logout.
 */
export class CacheDb {
  private constructor(private readonly db: IDBPDatabase<CacheSchema>) {}

  /** Undefined where IndexedDB is missing or refuses (a private window may): the app then loads from the server. */
  static async open(): Promise<CacheDb | undefined> {
    if (typeof indexedDB === 'undefined') return undefined;
    try {
      const db = await openDB<CacheSchema>(CACHE_DB_NAME, 1, {
        upgrade(db) {
          db.createObjectStore('state');
          db.createObjectStore('logs', { keyPath: 'chat_id' });
        },
        // A newer version opened in another tab: let it have the database.
        blocking() {
          db.close();
        },
      });
      return new CacheDb(db);
    } catch {
      return undefined;
    }
  }

  /** What was kept for this user: undefined when nothing was, or when it is another user's. */
  async read(userId: string): Promise<{ state: CachedState; logs: ChatSnapshot[] } | undefined> {
    const tx = this.db.transaction(['state', 'logs'], 'readonly');
    const state = await tx.objectStore('state').get('state');
    if (!state || state.user_id !== userId) return undefined;
    const logs = await tx.objectStore('logs').getAll();
    return { state, logs };
  }

  /** The state, the logs that changed, and the chats no longer kept removed; one transaction. */
  async write(state: CachedState, logs: ChatSnapshot[], removed: string[]): Promise<void> {
    const tx = this.db.transaction(['state', 'logs'], 'readwrite');
    const stored = await tx.objectStore('state').get('state');
    // Another user's leftovers (a logout that could not delete them): not mixed with this one's.
    if (stored && stored.user_id !== state.user_id) await tx.objectStore('logs').clear();
    await tx.objectStore('state').put(state, 'state');
    await Promise.all([
      ...logs.map((log) => tx.objectStore('logs').put(log)),
      ...removed.map((chatId) => tx.objectStore('logs').delete(chatId)),
      tx.done,
    ]);
  }

  close(): void {
    this.db.close();
  }
}

/** Deletes the whole database (logout, a session that ended): close every open CacheDb first. */
export async function deleteCacheDb(): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  await deleteDB(CACHE_DB_NAME).catch(() => {});
}

import type { ChatSnapshot } from '@papo/client';
import { CacheDb, type CachedChat, type CachedState, deleteCacheDb } from '../lib/cache-db';
import type { ChatItem } from './chats';
import type { AppStore } from './store';

/** The most recent chats kept (the list beyond them loads from the server as before). */
export const MAX_CACHED_CHATS = 300;
/** The newest messages kept of each chat. */
export const MAX_CACHED_MESSAGES = 50;
/** A chat's kept messages at most, in characters of JSON (the oldest go first): 300 chats stay near 10 MB at worst. */
const MAX_LOG_CHARS = 32 * 1024;
/** People kept (names and pictures): those of the chats and of their messages, in practice. */
const MAX_CACHED_PEOPLE = 1000;
/** Performance mark of the moment the kept state is in the store (bench/cold-start.mjs reports it). */
export const RESTORED_MARK = 'papo:cache-restored';
/** Writes wait for changes to settle: a burst of messages is one write, and none runs while React renders. */
const WRITE_DELAY_MS = 1000;

/**
 * The chat list, profiles and each chat's newest messages, kept in IndexedDB for the next page load: a reload or
 * a cold start shows them at once (offline too), then the SDK catches each chat up with `sync` after the position
 * kept. Written after changes (debounced); deleted when the user logs out or the session ends. The outbox and
 * the bytes of unsent uploads are the SDK's own (localStorage and the blob store) and are left to it.
 */
export class OfflineCache {
  private db: Promise<CacheDb | undefined> | undefined;
  /** The deletion of the last session's database, which a new session's first open waits for. */
  private deleting: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Each chat's log as last written (a signature): only logs that changed are written again. */
  private readonly written = new Map<string, string>();
  /** The list, people and profile as last written (JSON): presence and typing change the store, not them. */
  private writtenState = '';
  private unwatch: Array<() => void> = [];
  /** Bumped at every stop: a write begun before it does not bring the database back. */
  private generation = 0;

  constructor(private readonly store: AppStore) {
    store.on('started', () => this.watch());
    store.on('stopped', () => void this.forget());
  }

  /**
   * Cold start, before the store connects: the last state of this session's user is shown and the SDK holds its
   * chats' positions. Waits at most `waitMs` for IndexedDB (a slow disk must not hold the network back); what
   * comes later is dropped, as the server's answers are on their way. Resolves with whether a state was shown.
   */
  async restore(waitMs: number): Promise<boolean> {
    const userId = this.store.client.userId;
    if (!userId) return false;
    let late = false;
    const reading = (async () => {
      const kept = await (await this.open())?.read(userId).catch(() => undefined);
      if (!kept || late || this.store.client.userId !== userId) return false;
      this.store.client.restoreChats(kept.logs);
      this.store.restoreCached(
        kept.state.chats.map((chat) => ({ ...chat, localUnread: new Set(chat.localUnread) })),
        kept.state.people,
        kept.state.me,
      );
      for (const log of kept.logs) this.written.set(log.chat_id, signature(log));
      performance.mark(RESTORED_MARK);
      return true;
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        late = true;
        resolve(false);
      }, waitMs);
    });
    try {
      return await Promise.race([reading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes what is on screen now (the tab goes to the background: it may not come back). */
  flushNow(): void {
    if (this.unwatch.length === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.write();
  }

  private open(): Promise<CacheDb | undefined> {
    this.db ??= this.deleting.then(() => CacheDb.open());
    return this.db;
  }

  private watch(): void {
    if (this.unwatch.length > 0) return;
    this.unwatch.push(this.store.on('change', () => this.schedule()));
    if (typeof document !== 'undefined') {
      const onHidden = () => {
        if (document.visibilityState === 'hidden') this.flushNow();
      };
      document.addEventListener('visibilitychange', onHidden);
      this.unwatch.push(() => document.removeEventListener('visibilitychange', onHidden));
    }
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, WRITE_DELAY_MS);
  }

  private async write(): Promise<void> {
    const { store } = this;
    const userId = store.client.userId;
    // Nothing known yet (neither the cache nor the server answered): an empty list must not replace the kept one.
    if (!userId || !store.loaded) return;
    const generation = this.generation;
    const chats = store
      .chats()
      .filter((chat) => !chat.gone)
      .slice(0, MAX_CACHED_CHATS);
    const kept = new Set(chats.map((chat) => chat.chat_id));
    const logs: ChatSnapshot[] = [];
    const signatures = new Map<string, string>();
    for (const chat of chats) {
      const snapshot = store.client.chatSnapshot(chat.chat_id, MAX_CACHED_MESSAGES);
      if (!snapshot) continue;
      const bounded = withinBytes(snapshot);
      const sig = signature(bounded);
      if (this.written.get(chat.chat_id) !== sig) {
        logs.push(bounded);
        signatures.set(chat.chat_id, sig);
      }
    }
    const removed = [...this.written.keys()].filter((chatId) => !kept.has(chatId));
    const shown = {
      chats: chats.map(toCached),
      people: store.people.list().slice(0, MAX_CACHED_PEOPLE),
      ...(store.profile ? { me: store.profile } : {}),
    };
    const json = JSON.stringify(shown);
    if (logs.length === 0 && removed.length === 0 && json === this.writtenState) return;
    const state: CachedState = { user_id: userId, saved_at: Date.now(), ...shown };
    const db = await this.open();
    if (!db || generation !== this.generation) return;
    try {
      await db.write(state, logs, removed);
      this.writtenState = json;
      for (const chatId of removed) this.written.delete(chatId);
      for (const [chatId, sig] of signatures) this.written.set(chatId, sig);
    } catch {
      // Full disk, or the database closed under us (deleted from another tab): the next change opens it again
      // and writes everything.
      if (generation !== this.generation) return;
      this.written.clear();
      this.writtenState = '';
      if (this.db) (await this.db)?.close();
      this.db = undefined;
    }
  }

  /** Logout or a session that ended: nothing of it stays on the device. */
  private async forget(): Promise<void> {
    this.generation++;
    for (const off of this.unwatch.splice(0)) off();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.written.clear();
    this.writtenState = '';
    const db = this.db;
    this.db = undefined;
    this.deleting = (async () => {
      (await db)?.close();
      await deleteCacheDb();
    })();
    await this.deleting;
  }
}

function toCached(chat: ChatItem): CachedChat {
  const { localUnread, gone: _gone, goneBy: _goneBy, ...rest } = chat;
  return { ...rest, localUnread: [...localUnread] };
}

/** What a log's write depends on: a new message, a change applied, older messages paged in, a receipt mark. */
function signature(log: ChatSnapshot): string {
  const first = log.messages[0]?.id ?? 0;
  return `${log.position}:${log.change_id ?? ''}:${first}:${log.messages.length}:${log.received_id}:${log.read_id}`;
}

/** The snapshot with its oldest messages dropped until its JSON fits MAX_LOG_CHARS. */
function withinBytes(snapshot: ChatSnapshot): ChatSnapshot {
  let messages = snapshot.messages;
  while (messages.length > 0 && JSON.stringify(messages).length > MAX_LOG_CHARS) {
    messages = messages.slice(Math.ceil(messages.length / 4));
  }
  return messages === snapshot.messages ? snapshot : { ...snapshot, messages };
}

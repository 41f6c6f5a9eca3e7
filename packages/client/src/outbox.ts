import type { KeyValueStorage, OutboxEntry } from './types.js';

/**
 * Messages the user sent that the server has not acknowledged, in the order they were sent. Kept in storage
 * so a reload or a long outage loses none; re-sent with the same client_msg_id, which the server
 * deduplicates. Nothing is ever dropped silently: a refused message stays, `failed`, until retried or
 * discarded.
 */
export class Outbox {
  private entries: OutboxEntry[];

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
  ) {
    this.entries = Outbox.load(storage, key);
  }

  private static load(storage: KeyValueStorage, key: string): OutboxEntry[] {
    try {
      const raw = storage.getItem(key);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? (parsed as OutboxEntry[]) : [];
    } catch {
      return [];
    }
  }

  list(chatId?: string): OutboxEntry[] {
    return chatId === undefined ? [...this.entries] : this.entries.filter((e) => e.chat_id === chatId);
  }

  pending(): OutboxEntry[] {
    return this.entries.filter((e) => e.state === 'pending');
  }

  get(clientMsgId: string): OutboxEntry | undefined {
    return this.entries.find((e) => e.client_msg_id === clientMsgId);
  }

  add(entry: OutboxEntry): void {
    this.entries.push(entry);
    this.save();
  }

  update(clientMsgId: string, change: Partial<OutboxEntry>): OutboxEntry | undefined {
    const entry = this.get(clientMsgId);
    if (!entry) return undefined;
    Object.assign(entry, change);
    if (change.state === 'pending') delete entry.error;
    this.save();
    return entry;
  }

  remove(clientMsgId: string): OutboxEntry | undefined {
    const entry = this.get(clientMsgId);
    if (!entry) return undefined;
    this.entries = this.entries.filter((e) => e !== entry);
    this.save();
    return entry;
  }

  clear(): void {
    this.entries = [];
    this.storage.removeItem(this.key);
  }

  private save(): void {
    try {
      if (this.entries.length === 0) this.storage.removeItem(this.key);
      else this.storage.setItem(this.key, JSON.stringify(this.entries.map(persisted)));
    } catch {
      // Storage full or unavailable: the outbox still works for this page's life.
    }
  }
}

/** Storage that lives as long as the page (the default when none is given). */
export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, string>();
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

/** An entry as stored: without what lasts the page's life only (an upload's progress and object URL). */
function persisted(entry: OutboxEntry): OutboxEntry {
  if (!entry.media) return entry;
  const { sent: _sent, local_url: _localUrl, ...media } = entry.media;
  return { ...entry, media };
}

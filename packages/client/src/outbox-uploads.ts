import type { ErrorCode, MediaInfo } from '@papo/protocol';
import { PapoError } from './errors.js';
import { isAbortError, type UploadOptions } from './media-upload.js';
import type { BlobStore, OutboxEntry } from './types.js';

/** Object URLs of sent media kept for the page (a sent photo shows from memory, not downloaded back). */
const KEEP_LOCAL_URLS = 30;
/** Uploads in flight at once: the server takes two per user and refuses a third (429); the rest wait here. */
export const UPLOADS_AT_ONCE = 2;

export type OutboxUploadsOptions = {
  upload: (file: Blob, options: UploadOptions) => Promise<MediaInfo>;
  /** Keeps the bytes across reloads; none: they last as long as the page. */
  blobStore?: BlobStore | undefined;
  /** The blob store's key of an entry's bytes. */
  storeKey: (clientMsgId: string) => string;
  progress: (entry: OutboxEntry, sent: number, total: number) => void;
  uploaded: (entry: OutboxEntry, info: MediaInfo) => void;
  /** The upload failed: the entry is to be marked failed (a retry uploads again). */
  failed: (entry: OutboxEntry, error: { code: ErrorCode; message: string }) => void;
  /** The server said "not now" (`rate_limited`): try again after this many ms. */
  later: (entry: OutboxEntry, delayMs: number) => void;
};

/**
 * The bytes of the outbox's media messages and their uploads: each entry's Blob (in memory, and in the blob
 * store when there is one, so a reload can upload it still), its object URL, and the upload in flight, which
 * can be cancelled. An upload that the server refuses or that cannot reach it fails the entry, as a refused
 * text does; the app's retry uploads again.
 */
export class OutboxUploads {
  private readonly blobs = new Map<string, Blob>();
  private readonly running = new Map<string, AbortController>();
  /** Entries waiting for an upload slot, in the order they were sent. */
  private queued: OutboxEntry[] = [];
  /** media_id → object URL of bytes this page uploaded, newest last. */
  private readonly sentUrls = new Map<string, string>();

  constructor(private readonly options: OutboxUploadsOptions) {}

  /** Holds an entry's bytes (and stores them for after a reload); answers their object URL. */
  keep(clientMsgId: string, blob: Blob): string {
    this.blobs.set(clientMsgId, blob);
    this.options.blobStore?.put(this.options.storeKey(clientMsgId), blob).catch(() => {
      // Private mode or a full disk: the bytes last as long as the page.
    });
    return URL.createObjectURL(blob);
  }

  isUploading(clientMsgId: string): boolean {
    return this.running.has(clientMsgId);
  }

  /**
   * Uploads the entry's bytes (read back from the blob store after a reload), or queues them while
   * UPLOADS_AT_ONCE others are in flight; idempotent while one runs or waits.
   */
  start(entry: OutboxEntry): void {
    const media = entry.media;
    const id = entry.client_msg_id;
    if (!media || media.uploaded || this.running.has(id) || this.queued.some((e) => e.client_msg_id === id)) return;
    if (this.running.size >= UPLOADS_AT_ONCE) {
      this.queued.push(entry);
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    void this.run(entry, controller).finally(() => this.next());
  }

  /** Slots are free: the first entries waiting for one upload. */
  private next(): void {
    while (this.running.size < UPLOADS_AT_ONCE && this.queued.length > 0) this.start(this.queued.shift()!);
  }

  /**
   * At start: deletes stored bytes of this client's (keys with `prefix`) that no entry of the outbox refers
   * to, left by a page closed between sending and forgetting them.
   */
  async sweep(prefix: string, entries: () => OutboxEntry[]): Promise<void> {
    const store = this.options.blobStore;
    if (!store?.keys) return;
    try {
      const keys = await store.keys();
      // The entries as they are once the keys came: a message sent meanwhile is in both, or in neither.
      const live = new Set(entries().map((entry) => this.options.storeKey(entry.client_msg_id)));
      for (const key of keys) if (key.startsWith(prefix) && !live.has(key)) await store.delete(key);
    } catch {
      // Storage unavailable: nothing to sweep.
    }
  }

  /**
   * After a reload: reads an entry's bytes back from the blob store to show them (its `local_url`) before any
   * retry; false when they were not kept.
   */
  async restore(entry: OutboxEntry): Promise<boolean> {
    if (!entry.media || entry.media.local_url) return false;
    return (await this.bytes(entry)) !== undefined;
  }

  /** Stops an upload in flight, or takes it out of the queue (the entry stays; see `forget`). */
  cancel(clientMsgId: string): void {
    this.queued = this.queued.filter((e) => e.client_msg_id !== clientMsgId);
    const controller = this.running.get(clientMsgId);
    if (!controller) return;
    controller.abort();
    this.running.delete(clientMsgId);
    this.next();
  }

  /** The entry is gone (sent, or discarded): its upload stops and its stored bytes go. */
  forget(entry: OutboxEntry): void {
    this.cancel(entry.client_msg_id);
    this.blobs.delete(entry.client_msg_id);
    this.options.blobStore?.delete(this.options.storeKey(entry.client_msg_id)).catch(() => {});
    const url = entry.media?.local_url;
    const mediaId = entry.media?.uploaded?.media_id;
    if (!url) return;
    if (!mediaId) {
      URL.revokeObjectURL(url);
      return;
    }
    this.sentUrls.set(mediaId, url);
    if (this.sentUrls.size > KEEP_LOCAL_URLS) {
      const [oldest, oldUrl] = this.sentUrls.entries().next().value as [string, string];
      this.sentUrls.delete(oldest);
      URL.revokeObjectURL(oldUrl);
    }
  }

  /** An object URL of media this page uploaded itself, while it is kept. */
  localUrl(mediaId: string): string | undefined {
    return this.sentUrls.get(mediaId);
  }

  clear(): void {
    this.queued = [];
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
    for (const key of this.blobs.keys()) this.options.blobStore?.delete(this.options.storeKey(key)).catch(() => {});
    this.blobs.clear();
    for (const url of this.sentUrls.values()) URL.revokeObjectURL(url);
    this.sentUrls.clear();
  }

  private async run(entry: OutboxEntry, controller: AbortController): Promise<void> {
    const media = entry.media!;
    try {
      const blob = await this.bytes(entry);
      if (controller.signal.aborted) return;
      if (!blob) throw new PapoError('not_found', 'The file is no longer on this device: choose it again.');
      const info = await this.options.upload(blob, {
        ...(media.type === 'file' ? { name: media.name || 'file' } : {}),
        signal: controller.signal,
        onProgress: (sent, total) => this.options.progress(entry, sent, total),
      });
      if (this.running.get(entry.client_msg_id) !== controller) return;
      this.running.delete(entry.client_msg_id);
      this.options.uploaded(entry, info);
    } catch (err) {
      if (this.running.get(entry.client_msg_id) !== controller) return;
      this.running.delete(entry.client_msg_id);
      if (isAbortError(err)) return;
      if (err instanceof PapoError && err.code === 'rate_limited') {
        this.options.later(entry, (err.retryAfter ?? 1) * 1000);
        return;
      }
      const code = err instanceof PapoError ? err.code : 'internal';
      this.options.failed(entry, { code, message: (err as Error).message });
    }
  }

  /** The entry's bytes: held in memory, or read back from the blob store (after a reload). */
  private async bytes(entry: OutboxEntry): Promise<Blob | undefined> {
    const held = this.blobs.get(entry.client_msg_id);
    if (held) return held;
    const stored = await this.options.blobStore?.get(this.options.storeKey(entry.client_msg_id)).catch(() => undefined);
    if (!stored) return undefined;
    this.blobs.set(entry.client_msg_id, stored);
    if (entry.media && !entry.media.local_url) entry.media.local_url = URL.createObjectURL(stored);
    return stored;
  }
}

import {
  type ActionDataOf,
  type ErrorCode,
  MEDIA_MIME_TYPES,
  type MediaInfo,
  type MediaMessageType,
  type ServerEventOf,
} from '@papo/protocol';
import { RESEND_AFTER_MS } from './connection.js';
import type { Emit } from './emitter.js';
import type { Outbox } from './outbox.js';
import type { OutboxUploads } from './outbox-uploads.js';
import type { ClientEvents, MessageState, OutboxEntry, OutboxMedia } from './types.js';
import type { TypingNotifier } from './typing.js';

/** A random id for `client_msg_id` (crypto.randomUUID is missing outside secure contexts). */
function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export type OutboxSenderOptions = {
  outbox: Outbox;
  /** Sends a `send_message` frame; false when offline (the entry then waits for `resendPending`). */
  send: (data: ActionDataOf<'send_message'>) => boolean;
  typing: TypingNotifier;
  emit: Emit<ClientEvents>;
  /** An acknowledged message's ticks, from its chat's receipt marks. */
  stateOf: (chatId: string, messageId: number) => MessageState;
  uploads: OutboxUploads;
};

export type MediaSendOptions = {
  /** What to send it as; by default from the bytes' type (`image`, `video`, `audio`), else `file`. */
  type?: MediaMessageType;
  caption?: string;
  /** A file's name (default: the File's own). */
  name?: string;
  replyTo?: number;
  /** What the app knows of the bytes already, to draw the bubble before the server has read them. */
  width?: number;
  height?: number;
  duration_ms?: number;
};

/** What a Blob of this type is sent as by default: a media type section 12 allows, else a file. */
export function mediaTypeOf(mime: string): MediaMessageType {
  const base = mime.split(';')[0]!.trim().toLowerCase();
  for (const kind of ['image', 'video', 'audio'] as const) {
    if ((MEDIA_MIME_TYPES[kind] as readonly string[]).includes(base)) return kind;
  }
  return 'file';
}

/**
 * The user's messages on their way: queued in the outbox, sent now or on reconnect, removed once the server
 * acknowledged them (an `ack`, or the message itself coming back), tried again later when the server said
 * "not now" (`rate_limited`, `internal`), and kept as `failed` when refused.
 */
export class OutboxSender {
  constructor(private readonly options: OutboxSenderOptions) {}

  list(chatId?: string): OutboxEntry[] {
    return this.options.outbox.list(chatId);
  }

  send(chatId: string, body: string, options: { replyTo?: number; mentions?: string[] }): OutboxEntry {
    return this.queue({
      chat_id: chatId,
      client_msg_id: randomId(),
      body,
      ...(options.replyTo === undefined ? {} : { reply_to: options.replyTo }),
      ...(options.mentions?.length ? { mentions: options.mentions } : {}),
      created_at_ms: Date.now(),
      state: 'pending',
    });
  }

  /**
   * Queue a photo, video, voice note or file: its bytes upload first (progress in `media.sent`, see
   * `upload_progress`), then the message is sent as any other. A failed upload fails the entry (`retry`
   * uploads again); `discard` cancels an upload in flight.
   */
  sendMedia(chatId: string, file: Blob, options: MediaSendOptions): OutboxEntry {
    const clientMsgId = randomId();
    const type = options.type ?? mediaTypeOf(file.type);
    const name = options.name ?? (file as { name?: string }).name;
    const media: OutboxMedia = {
      type,
      mime: file.type || 'application/octet-stream',
      size: file.size,
      ...(name ? { name } : {}),
      ...(options.width ? { width: options.width } : {}),
      ...(options.height ? { height: options.height } : {}),
      ...(options.duration_ms ? { duration_ms: options.duration_ms } : {}),
      sent: 0,
    };
    media.local_url = this.options.uploads.keep(clientMsgId, file);
    return this.queue({
      chat_id: chatId,
      client_msg_id: clientMsgId,
      body: options.caption?.trim() ?? '',
      media,
      ...(options.replyTo === undefined ? {} : { reply_to: options.replyTo }),
      created_at_ms: Date.now(),
      state: 'pending',
    });
  }

  forward(chatId: string, source: { chat_id: string; message_id: number }): OutboxEntry {
    return this.queue({
      chat_id: chatId,
      client_msg_id: randomId(),
      body: '',
      forward_of: { chat_id: source.chat_id, message_id: source.message_id },
      created_at_ms: Date.now(),
      state: 'pending',
    });
  }

  retry(clientMsgId: string): void {
    const failed = this.options.outbox.get(clientMsgId);
    // A media message the server refused by its media_id (an upload is good for 24 h) uploads its bytes again.
    const stale = failed?.media?.uploaded && failed.state === 'failed' && failed.error?.code === 'not_found';
    const entry = this.options.outbox.update(clientMsgId, {
      state: 'pending',
      ...(stale && failed.media ? { media: { ...failed.media, uploaded: undefined, sent: 0 } } : {}),
    });
    if (!entry) return;
    this.options.emit('outbox', this.options.outbox.list());
    this.transmit(entry);
  }

  /** Give up on a message: a failed one, or a media message still uploading (its upload stops). */
  discard(clientMsgId: string): void {
    const entry = this.options.outbox.remove(clientMsgId);
    if (!entry) return;
    this.options.uploads.forget(entry);
    this.options.emit('outbox', this.options.outbox.list());
  }

  /**
   * After a reconnect: every message still pending goes again (the server deduplicates by client_msg_id);
   * media not uploaded yet uploads (after a reload, from the blob store).
   */
  resendPending(): void {
    for (const entry of this.options.outbox.pending()) this.transmit(entry);
  }

  /**
   * At start: uploads left unfinished by the last page go on (messages wait for the connection); a failed
   * one's bytes are read back to be shown until it is retried or discarded; stored bytes (keys with
   * `storePrefix`) of entries gone are deleted.
   */
  resumeUploads(storePrefix: string): void {
    void this.options.uploads.sweep(storePrefix, () => this.options.outbox.list());
    for (const entry of this.options.outbox.list()) {
      if (!entry.media || entry.media.uploaded) continue;
      if (entry.state === 'pending') this.transmit(entry);
      else {
        void this.options.uploads.restore(entry).then((found) => {
          if (found) this.options.emit('outbox', this.options.outbox.list());
        });
      }
    }
  }

  onAck(ack: ServerEventOf<'ack'>): void {
    if (ack.client_msg_id) this.acknowledged(ack.chat_id, ack.client_msg_id, ack.server_msg_id);
  }

  acknowledged(chatId: string, clientMsgId: string, messageId: number): void {
    const outbox = this.options.outbox;
    const entry = outbox.remove(clientMsgId);
    if (!entry) return;
    this.options.uploads.forget(entry);
    const state = this.options.stateOf(chatId, messageId);
    this.options.emit('message_state', { chat_id: chatId, client_msg_id: clientMsgId, message_id: messageId, state });
    this.options.emit('outbox', outbox.list());
  }

  /** An error frame about a queued message: handled here (true), else it concerns something else. */
  refused(event: ServerEventOf<'error'>): boolean {
    const outbox = this.options.outbox;
    const clientMsgId = event.client_msg_id;
    const entry = clientMsgId ? outbox.get(clientMsgId) : undefined;
    if (!entry) return false;
    if (event.error === 'rate_limited' || event.error === 'internal') {
      // Not refused, only not now: try the same message again later.
      const delay = event.error === 'rate_limited' ? (event.retry_after ?? 1) * 1000 : RESEND_AFTER_MS;
      setTimeout(() => {
        const current = outbox.get(entry.client_msg_id);
        if (current?.state === 'pending') this.transmit(current);
      }, delay);
      return true;
    }
    outbox.update(entry.client_msg_id, {
      state: 'failed',
      error: { code: event.error, message: event.message },
    });
    this.options.emit('message_state', { chat_id: entry.chat_id, client_msg_id: entry.client_msg_id, state: 'failed' });
    this.options.emit('outbox', outbox.list());
    return true;
  }

  clear(): void {
    this.options.outbox.clear();
    this.options.uploads.clear();
  }

  /** The uploads' reports, applied to their entries. */
  uploadProgress(entry: OutboxEntry, sent: number, total: number): void {
    const current = this.options.outbox.get(entry.client_msg_id);
    if (!current?.media) return;
    // Not saved: progress is this page's only, and comes many times a second.
    current.media.sent = sent;
    this.options.emit('upload_progress', { chat_id: entry.chat_id, client_msg_id: entry.client_msg_id, sent, total });
  }

  uploaded(entry: OutboxEntry, info: MediaInfo): void {
    const current = this.options.outbox.get(entry.client_msg_id);
    if (!current?.media) return;
    const updated = this.options.outbox.update(current.client_msg_id, {
      media: { ...current.media, uploaded: info, sent: info.size },
    });
    this.options.emit('outbox', this.options.outbox.list());
    if (updated?.state === 'pending') this.transmit(updated);
  }

  uploadFailed(entry: OutboxEntry, error: { code: ErrorCode; message: string }): void {
    if (!this.options.outbox.update(entry.client_msg_id, { state: 'failed', error })) return;
    this.options.emit('message_state', { chat_id: entry.chat_id, client_msg_id: entry.client_msg_id, state: 'failed' });
    this.options.emit('outbox', this.options.outbox.list());
  }

  uploadLater(entry: OutboxEntry, delayMs: number): void {
    setTimeout(() => {
      const current = this.options.outbox.get(entry.client_msg_id);
      if (current?.state === 'pending') this.transmit(current);
    }, delayMs);
  }

  private queue(entry: OutboxEntry): OutboxEntry {
    this.options.outbox.add(entry);
    this.options.typing.stop(entry.chat_id);
    this.options.emit('outbox', this.options.outbox.list());
    this.transmit(entry);
    return entry;
  }

  private transmit(entry: OutboxEntry): void {
    if (entry.media && !entry.media.uploaded) {
      this.options.uploads.start(entry);
      return;
    }
    const data: ActionDataOf<'send_message'> = { chat_id: entry.chat_id, client_msg_id: entry.client_msg_id };
    if (entry.forward_of) data.forward_of = entry.forward_of;
    else if (entry.media?.uploaded) {
      data.type = entry.media.type;
      data.media_id = entry.media.uploaded.media_id;
      if (entry.body) data.body = entry.body;
    } else data.body = entry.body;
    if (entry.reply_to !== undefined) data.reply_to = entry.reply_to;
    if (entry.mentions?.length) data.mentions = entry.mentions;
    this.options.send(data);
  }
}

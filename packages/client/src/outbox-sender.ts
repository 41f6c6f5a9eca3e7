import type { ActionDataOf, ServerEventOf } from '@papo/protocol';
import { RESEND_AFTER_MS } from './connection.js';
import type { Emit } from './emitter.js';
import type { Outbox } from './outbox.js';
import type { ClientEvents, MessageState, OutboxEntry } from './types.js';
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
};

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
    const entry = this.options.outbox.update(clientMsgId, { state: 'pending' });
    if (!entry) return;
    this.options.emit('outbox', this.options.outbox.list());
    this.transmit(entry);
  }

  discard(clientMsgId: string): void {
    if (this.options.outbox.remove(clientMsgId)) this.options.emit('outbox', this.options.outbox.list());
  }

  /** After a reconnect: every message still pending goes again (the server deduplicates by client_msg_id). */
  resendPending(): void {
    for (const entry of this.options.outbox.pending()) this.transmit(entry);
  }

  onAck(ack: ServerEventOf<'ack'>): void {
    if (ack.client_msg_id) this.acknowledged(ack.chat_id, ack.client_msg_id, ack.server_msg_id);
  }

  acknowledged(chatId: string, clientMsgId: string, messageId: number): void {
    const outbox = this.options.outbox;
    if (!outbox.remove(clientMsgId)) return;
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
  }

  private queue(entry: OutboxEntry): OutboxEntry {
    this.options.outbox.add(entry);
    this.options.typing.stop(entry.chat_id);
    this.options.emit('outbox', this.options.outbox.list());
    this.transmit(entry);
    return entry;
  }

  private transmit(entry: OutboxEntry): void {
    const data: ActionDataOf<'send_message'> = { chat_id: entry.chat_id, client_msg_id: entry.client_msg_id };
    if (entry.forward_of) data.forward_of = entry.forward_of;
    else data.body = entry.body;
    if (entry.reply_to !== undefined) data.reply_to = entry.reply_to;
    if (entry.mentions?.length) data.mentions = entry.mentions;
    this.options.send(data);
  }
}

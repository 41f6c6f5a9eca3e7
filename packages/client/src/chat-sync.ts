import type { ChatSummary, Message, ServerEventOf } from '@papo/protocol';
import { ChatLog } from './chat-log.js';
import { type ChatSnapshot, restoreInto, snapshotOf } from './chat-snapshot.js';
import { type Connection, RESEND_AFTER_MS } from './connection.js';
import type { Emit } from './emitter.js';
import { PapoError } from './errors.js';
import type { HttpApi } from './http.js';
import type { ReceiptSender } from './receipts.js';
import type { ChatMessage, ClientEvents, MessageState } from './types.js';

const SYNC_PAGE = 200;

export type ChatSyncOptions = {
  http: HttpApi;
  connection: Connection;
  receipts: ReceiptSender;
  emit: Emit<ClientEvents>;
  /** The logged-in user: their own messages get a state, others' are told `received`. */
  userId: () => string | undefined;
  /** An own message came back stored (live or by a sync): its outbox entry is done. */
  acknowledged: (chatId: string, clientMsgId: string, messageId: number) => void;
};

/**
 * Every chat's log kept in step with the server: a chat is placed from the chat list, live messages are
 * released once each and in id order, gaps and the time away are filled with `sync` (messages after the
 * position, changes after `after_change_id`), changes are applied in change id order, and the chat's lowest
 * receipt marks give own messages their ticks.
 */
export class ChatSync {
  private readonly logs = new Map<string, ChatLog>();
  private placingValue: Promise<void> | undefined;

  constructor(private readonly options: ChatSyncOptions) {}

  /** The chat list being read to place chats, while it is. */
  get placing(): Promise<void> | undefined {
    return this.placingValue;
  }

  log(chatId: string): ChatLog {
    let log = this.logs.get(chatId);
    if (!log) {
      log = new ChatLog(chatId);
      this.logs.set(chatId, log);
    }
    return log;
  }

  /** After auth_ok: chats with a known position catch up from it. Returns the others (not placed yet). */
  catchUp(chatIds: string[]): string[] {
    const unplaced = chatIds.filter((chatId) => this.log(chatId).position === undefined);
    for (const chatId of chatIds) if (!unplaced.includes(chatId)) void this.fill(this.log(chatId));
    return unplaced;
  }

  /** The socket is gone: no sync is in flight any more. */
  connectionLost(): void {
    for (const log of this.logs.values()) log.filling = false;
  }

  /** One chat's state and newest messages, for an app's cache (undefined while the chat is not placed). */
  snapshot(chatId: string, limit: number): ChatSnapshot | undefined {
    const log = this.logs.get(chatId);
    return log ? snapshotOf(log, limit) : undefined;
  }

  /** Chats as a cache kept them (before connecting): they catch up from their positions on auth_ok. */
  restore(snapshots: ChatSnapshot[]): void {
    for (const snapshot of snapshots) restoreInto(this.log(snapshot.chat_id), snapshot);
  }

  /** Forget every chat (logout, another account). */
  clear(): void {
    this.logs.clear();
  }

  /**
   * A chat whose position is unknown (joined, or an existing DM) takes it from the chat list, so messages
   * sent from then on are delivered live or by the next resync, and older ones are history.
   */
  placeLater(): Promise<void> {
    this.placingValue ??= this.options.http
      .chats()
      .then((summaries) => this.place(summaries))
      .catch(() => {})
      .finally(() => {
        this.placingValue = undefined;
      });
    return this.placingValue;
  }

  /** Takes each chat's position and read state from the chat list. */
  place(summaries: ChatSummary[]): void {
    for (const summary of summaries) {
      const log = this.log(summary.chat_id);
      if (log.position === undefined) log.position = summary.last_message?.id ?? 0;
      if (log.changeId === undefined && summary.change_id !== undefined) log.changeId = summary.change_id;
      log.kind = summary.kind;
      this.raiseReceipts(log, summary.received_id ?? 0, summary.read_id ?? 0);
      // What arrived while no device of the user was connected is this device's now (it has the chat list's
      // last message, and the rest as history): received, or the sender's ticks would stay ✓ until a read.
      const last = summary.last_message;
      if (last && last.sender_id !== this.options.userId()) this.options.receipts.received(summary.chat_id, last.id);
    }
  }

  /** The chat's lowest marks rose (chat_receipts, or the chat list): own messages up to them change state. */
  raiseReceipts(log: ChatLog, receivedId: number, readId: number): void {
    const before = { received: log.receivedId, read: log.readId };
    log.receivedId = Math.max(log.receivedId, receivedId, readId);
    log.readId = Math.max(log.readId, readId);
    if (log.receivedId === before.received && log.readId === before.read) return;
    for (const message of log.messages) {
      if (message.sender_id !== this.options.userId() || message.id <= before.read) continue;
      const state = this.stateIn(log, message.id);
      if ((state === 'read' && message.id > before.read) || (state === 'delivered' && message.id > before.received)) {
        this.options.emit('message_state', { chat_id: log.chatId, message_id: message.id, state });
      }
    }
    this.options.emit('receipts', { chat_id: log.chatId, received_id: log.receivedId, read_id: log.readId });
  }

  onMessage(chatId: string, message: Message): void {
    const log = this.log(chatId);
    if (this.release(log, message)) void this.fill(log);
  }

  /**
   * A message changed (edited, deleted, reacted to). Changes come in change id order; one that skips ids may
   * mean some were missed (a lost frame): the next sync asks for the changes after the last one applied.
   */
  onMessageUpdated(event: ServerEventOf<'message_updated'>): void {
    const log = this.log(event.chat_id);
    const updated = log.update(event.message, event.change_id);
    if (log.changesGapAt !== undefined || (log.changeId !== undefined && event.change_id > log.changeId + 1)) {
      log.changesGapAt = Math.max(log.changesGapAt ?? 0, event.change_id);
      void this.fill(log);
    } else if (log.changeId === undefined || event.change_id > log.changeId) {
      log.changeId = event.change_id;
    }
    if (updated) this.options.emit('message_updated', this.decorate(log, updated));
  }

  // ── What the client holds ────────────────────────────────────────────────────────────────────────────

  messages(chatId: string): ChatMessage[] {
    const log = this.log(chatId);
    return log.messages.map((m) => this.decorate(log, m));
  }

  async loadOlder(chatId: string, limit: number): Promise<ChatMessage[]> {
    const log = this.log(chatId);
    const before = log.oldestId ?? (log.position === undefined ? undefined : log.position + 1);
    if (before === 1) {
      log.atStart = true;
      return [];
    }
    const { messages: page, more } = await this.options.http.historyPage(chatId, {
      ...(before === undefined ? {} : { before }),
      limit,
    });
    const added = log.prepend(page);
    // A short page is the start only when the server does not say more remain (its byte cap stops pages early).
    if ((page.length < limit && !more) || log.oldestId === 1) log.atStart = true;
    return added.map((m) => this.decorate(log, m));
  }

  hasOlder(chatId: string): boolean {
    const log = this.log(chatId);
    return !log.atStart && log.oldestId !== 1 && log.position !== 0;
  }

  messageState(chatId: string, messageId: number): MessageState {
    return this.stateIn(this.log(chatId), messageId);
  }

  chatReceipts(chatId: string): { received_id: number; read_id: number } {
    const log = this.log(chatId);
    return { received_id: log.receivedId, read_id: log.readId };
  }

  private stateIn(log: ChatLog, messageId: number): MessageState {
    if (log.kind === 'public') return 'sent';
    if (messageId <= log.readId) return 'read';
    if (messageId <= log.receivedId) return 'delivered';
    return 'sent';
  }

  private decorate(log: ChatLog, message: ChatMessage): ChatMessage {
    if (message.sender_id !== this.options.userId()) return message;
    return { ...message, state: this.stateIn(log, message.id) };
  }

  // ── Catching up ──────────────────────────────────────────────────────────────────────────────────────

  /** Hands a message to its chat's log and emits what that releases, in order; true when a gap remains. */
  private release(log: ChatLog, message: Message): boolean {
    const { released, gap } = log.accept(message);
    for (const held of released) {
      if (held.client_msg_id && held.sender_id === this.options.userId()) {
        this.options.acknowledged(log.chatId, held.client_msg_id, held.id);
      }
      this.options.emit('message', this.decorate(log, held));
    }
    // This device has them: tell the server (coalesced), for messages from others. An own message raised the
    // user's marks on the server already: a read up to it (the app's, of the open chat) need not be told.
    const me = this.options.userId();
    const newest = released.findLast((m) => m.sender_id !== me);
    if (newest) this.options.receipts.received(log.chatId, newest.id);
    const ownNewest = released.findLast((m) => m.sender_id === me);
    if (ownNewest) this.options.receipts.alreadyRead(log.chatId, ownNewest.id);
    return gap;
  }

  /**
   * A sync's changes (contract section 11): each update applied unless a newer state is known, or, when the
   * server no longer has the changes since `changeId` (`changes_reset`), every held message read again.
   */
  private async applyChanges(log: ChatLog, page: ServerEventOf<'history'>): Promise<void> {
    if (page.change_id === undefined) return;
    if (page.changes_reset) {
      log.forgetChanges();
      log.changeId = page.change_id;
      log.changesGapAt = undefined;
      await this.refetchHeld(log);
      this.options.emit('chat_reset', { chat_id: log.chatId });
      return;
    }
    for (const message of page.updates ?? []) {
      const updated = log.update(message, page.change_id);
      if (updated) this.options.emit('message_updated', this.decorate(log, updated));
    }
    if (log.changeId === undefined || page.change_id > log.changeId) log.changeId = page.change_id;
    if (log.changesGapAt !== undefined && log.changeId >= log.changesGapAt) log.changesGapAt = undefined;
  }

  /** Reads the held messages again, a page at a time, and replaces each held copy with what the server has. */
  private async refetchHeld(log: ChatLog): Promise<void> {
    const oldest = log.oldestId;
    const newest = log.messages.at(-1)?.id;
    if (oldest === undefined || newest === undefined) return;
    for (let after = oldest - 1; after < newest; ) {
      const page = await this.options.connection.request<ServerEventOf<'history'>>('sync', {
        chat_id: log.chatId,
        after_id: after,
        limit: SYNC_PAGE,
      });
      const last = page.messages.at(-1)?.id;
      for (const message of page.messages) if (message.id <= newest) log.refresh(message);
      if (last === undefined || last <= after) break;
      after = last;
    }
  }

  /** Fetch what the chat is missing after its position (a gap, or the time this client was away). */
  private async fill(log: ChatLog): Promise<void> {
    if (log.filling || log.position === undefined) return;
    const connection = this.options.connection;
    log.filling = true;
    try {
      for (;;) {
        const after = log.position ?? 0;
        // A chat whose change id was never learnt asks from the start: the server answers the changes it keeps
        // (or changes_reset, and the few held messages are read again).
        const changesFrom = log.changeId ?? 0;
        const page = await connection.request<ServerEventOf<'history'>>('sync', {
          chat_id: log.chatId,
          after_id: after,
          limit: SYNC_PAGE,
          after_change_id: changesFrom,
        });
        if (page.first_available_id) log.skipTo(page.first_available_id);
        let gap = false;
        for (const message of page.messages) gap = this.release(log, message);
        await this.applyChanges(log, page);
        const progressed = (log.position ?? 0) > after || (log.changeId ?? 0) > changesFrom;
        const changesBehind = log.changesGapAt !== undefined;
        // A page may stop short of SYNC_PAGE at the server's byte cap: `more` says so.
        if (!progressed || (page.messages.length < SYNC_PAGE && !gap && !page.more && !changesBehind)) break;
      }
      // Changes skipped live that the sync did not reach yet (read before they were made): ask again shortly.
      if (log.changesGapAt !== undefined) {
        setTimeout(() => {
          if (connection.authenticated && log.changesGapAt !== undefined) void this.fill(log);
        }, RESEND_AFTER_MS);
      }
    } catch (err) {
      // Over the read budget: not refused, only not now. Try again once the server says so.
      if (err instanceof PapoError && err.code === 'rate_limited') {
        setTimeout(
          () => {
            if (connection.authenticated) void this.fill(log);
          },
          (err.retryAfter ?? 1) * 1000,
        );
        return;
      }
      // Offline again: the next auth_ok resumes from the position. Still online (the server answered
      // `internal`, say during a Redis failover) with messages held beyond the gap: try again shortly, as no
      // other event may come to prompt it.
      setTimeout(() => {
        if (connection.authenticated && log.highestWaiting > 0) void this.fill(log);
      }, RESEND_AFTER_MS);
    } finally {
      log.filling = false;
    }
  }
}

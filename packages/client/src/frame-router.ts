import type { ServerEvent, ServerEventOf } from '@papo/protocol';
import type { ChatSync } from './chat-sync.js';
import type { Emit } from './emitter.js';
import type { OutboxSender } from './outbox-sender.js';
import type { ReceiptSender } from './receipts.js';
import type { ClientEvents } from './types.js';

export type FrameRouterOptions = {
  sync: ChatSync;
  sender: OutboxSender;
  receipts: ReceiptSender;
  emit: Emit<ClientEvents>;
  userId: () => string | undefined;
};

/**
 * Hands each frame the server sends (parsed by the connection, which settles the request it answers right
 * after) to the part that owns it, and raises the app's events, in the order the frames come.
 */
export class FrameRouter {
  constructor(private readonly options: FrameRouterOptions) {}

  route(event: ServerEvent): void {
    const { sync, emit } = this.options;
    switch (event.type) {
      case 'auth_ok':
        void this.onAuthOk(event);
        break;
      case 'message_created':
        sync.onMessage(event.chat_id, event.message);
        break;
      case 'message_updated':
        sync.onMessageUpdated(event);
        break;
      case 'ack':
        this.options.sender.onAck(event);
        break;
      case 'read_receipt':
        this.onReadReceipt(event);
        break;
      case 'delivered_receipt':
        emit('delivered_receipt', event);
        break;
      case 'chat_receipts':
        sync.raiseReceipts(sync.log(event.chat_id), event.received_id, event.read_id);
        break;
      case 'error':
        this.onError(event);
        break;
      case 'typing':
      case 'presence':
      case 'chat_member_added':
      case 'chat_member_removed':
      case 'chat_member_role':
      case 'blocks_changed':
        emit(event.type, event as never);
        break;
      case 'chat_updated':
        emit('chat_updated', event);
        emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'chat_added':
        // Placed by its first live message: the system message that says who added the user.
        sync.log(event.chat_id).kind = event.kind;
        emit('chat_added', event);
        emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'chat_removed':
        emit('chat_removed', event);
        emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'chat_created':
        // A chat just made has no messages yet: live delivery starts at its first.
        sync.log(event.chat_id).position ??= 0;
        sync.log(event.chat_id).changeId ??= 0;
        sync.log(event.chat_id).kind = event.kind;
        emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'dm_ready':
        // Unasked (the peer made it): the DM is new. The answer to our create_dm may name an old one.
        if (!event.request_id) {
          sync.log(event.chat_id).position ??= 0;
          sync.log(event.chat_id).changeId ??= 0;
        }
        sync.log(event.chat_id).kind = 'dm';
        if (event.request_id || sync.log(event.chat_id).position === undefined) void sync.placeLater();
        emit('dm_ready', event);
        emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'joined':
      case 'left':
      case 'chat_muted':
        sync.log(event.chat_id);
        if (event.type === 'joined' && sync.log(event.chat_id).position === undefined) void sync.placeLater();
        if (event.type === 'chat_muted') emit('chat_muted', event);
        emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
    }
  }

  /** Authenticated (the connection is online already): catch up, re-send the outbox, flush receipts. */
  private async onAuthOk(event: ServerEventOf<'auth_ok'>): Promise<void> {
    const { sync } = this.options;
    for (const chatId of event.chats) sync.log(chatId);
    this.options.emit('auth', event);
    // Chats with a known position catch up from it (asked first, so what was stored while away arrives
    // before the acks of re-sent messages); the others start from where they are now.
    const unplaced = sync.catchUp(event.chats);
    this.options.sender.resendPending();
    this.options.receipts.flushAll();
    // Otherwise placed by their first live message.
    if (unplaced.length > 0) await sync.placeLater();
  }

  /** Ticks follow chat_receipts (every other member); a member's own receipt says who, for message info. */
  private onReadReceipt(event: ServerEventOf<'read_receipt'>): void {
    if (event.user_id === this.options.userId()) this.options.receipts.alreadyRead(event.chat_id, event.message_id);
    this.options.emit('read_receipt', event);
  }

  private onError(event: ServerEventOf<'error'>): void {
    // The server closes with 4001 next; the connection then has the session refreshed.
    if (event.error === 'invalid_token') return;
    if (this.options.sender.refused(event)) return;
    if (!event.request_id) this.options.emit('error', event);
  }
}

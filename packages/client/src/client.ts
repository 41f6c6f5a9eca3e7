import type {
  ActionDataOf,
  ActionName,
  ChatInfo,
  ChatSummary,
  ChatsPage,
  Contact,
  ContactsPage,
  InviteInfo,
  InvitePreview,
  LinkVerifyBody,
  LoginAnswer,
  LoginCodeAnswer,
  LoginCodeBody,
  LoginVerifyBody,
  Message,
  MessageReceipts,
  MyProfile,
  ProfileUpdateBody,
  PublicChatSummary,
  PublicChatsPage,
  Role,
  ServerEvent,
  ServerEventOf,
  SessionInfo,
  UserDetails,
  UserProfile,
} from '@papo/protocol';
import { fullJitter } from './backoff.js';
import { ChatLog } from './chat-log.js';
import { Emitter } from './emitter.js';
import { PapoError } from './errors.js';
import { HttpApi, type PageOptions } from './http.js';
import { memoryStorage, Outbox } from './outbox.js';
import { ReceiptSender } from './receipts.js';
import { SessionKeeper } from './session.js';
import type {
  ChatMessage,
  ClientEvents,
  ConnectionState,
  KeyValueStorage,
  MessageState,
  OutboxEntry,
  PapoClientOptions,
  Session,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js';
import { TypingNotifier } from './typing.js';

const REQUEST_TIMEOUT_MS = 15_000;
/** The server's close code for a refused token or an ended session (CLOSE_CODES.authFailed). */
const CLOSE_AUTH_FAILED = 4001;
const SYNC_PAGE = 200;
/** A send the server could not do (`internal`) is tried again after this. */
const RESEND_AFTER_MS = 2000;

/** Which address a code was asked for (the key of its challenge). */
function addressKey(body: { phone: string } | { email: string }): string {
  return 'phone' in body ? body.phone : body.email.toLowerCase();
}

type PendingRequest = { resolve: (event: ServerEvent) => void; reject: (err: PapoError) => void; timer: unknown };

/** A random id for `client_msg_id` (crypto.randomUUID is missing outside secure contexts). */
function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Papo's client: login, one WebSocket kept open (reconnect with full-jitter backoff, re-auth), every message
 * delivered once and in id order per chat (gaps and reconnects filled with `sync`), an outbox that re-sends
 * what was not acknowledged, and typed events for everything else. Works in browsers and in Node.
 */
export class PapoClient extends Emitter<ClientEvents> {
  private readonly http: HttpApi;
  private readonly storage: KeyValueStorage;
  private readonly storageKey: string;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly wsUrl: string;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly typingNotifier: TypingNotifier;
  private readonly outboxStore: Outbox;
  private readonly receipts: ReceiptSender;
  private readonly logs = new Map<string, ChatLog>();
  private readonly requests = new Map<string, PendingRequest>();
  private readonly keeper: SessionKeeper;
  /** The challenge of the last code asked for each address: its verification uses it. */
  private readonly challenges = new Map<string, string>();
  private socket: WebSocketLike | null = null;
  private authenticated = false;
  private wanted = false;
  private attempt = 0;
  private requestSeq = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private stateValue: ConnectionState = 'offline';
  private placing: Promise<void> | undefined;

  constructor(options: PapoClientOptions) {
    super();
    const base = options.baseUrl.replace(/\/+$/, '');
    this.wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.http = new HttpApi(
      base,
      fetchImpl,
      () => this.keeper.current?.token,
      () => this.keeper.refresh(),
    );
    const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl) throw new Error('No WebSocket: pass options.WebSocket (in Node 20, the `ws` package).');
    this.WebSocketImpl = WebSocketImpl;
    this.storage = options.storage ?? memoryStorage();
    this.storageKey = options.storageKey ?? 'papo';
    this.reconnectBaseMs = options.reconnectBaseMs ?? 500;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 15_000;
    this.typingNotifier = new TypingNotifier(
      (chatId, isTyping) => this.sendFrame('typing', { chat_id: chatId, is_typing: isTyping }),
      options.typingThrottleMs ?? 2000,
      options.typingIdleMs ?? 3000,
    );
    this.outboxStore = new Outbox(this.storage, `${this.storageKey}:outbox`);
    this.receipts = new ReceiptSender((action, chatId, messageId) =>
      this.sendFrame(action, { chat_id: chatId, message_id: messageId }),
    );
    this.keeper = new SessionKeeper(
      this.storage,
      `${this.storageKey}:session`,
      (refreshToken) => this.http.refresh(refreshToken),
      () => this.sessionEnded(),
      (session) => this.emit('session_renewed', session),
    );
    const target = globalThis as { addEventListener?: (name: string, listener: () => void) => void };
    // The browser says the network is back: do not wait out the backoff.
    target.addEventListener?.('online', () => {
      if (this.wanted && !this.socket) this.reconnectNow();
    });
  }

  get session(): Session | null {
    return this.keeper.current;
  }

  get userId(): string | undefined {
    return this.keeper.current?.user_id;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  // ── Login ────────────────────────────────────────────────────────────────────────────────────────────

  async loginTemporary(username: string, avatarUrl?: string): Promise<Session> {
    return this.useSession(await this.http.loginTemporary(username, avatarUrl));
  }

  /** Sends a code to a phone or e-mail; its challenge is kept for `verifyCode` of the same address. */
  requestCode(body: LoginCodeBody): Promise<LoginCodeAnswer> {
    return this.keepChallenge(body, this.http.requestCode(body));
  }

  async verifyCode(body: LoginVerifyBody): Promise<Session> {
    return this.useSession(await this.withChallenge(body, (withIt) => this.http.verifyCode(withIt)));
  }

  /** Remembers the challenge a code request answered, for the verification of the same address. */
  private async keepChallenge(address: LoginCodeBody, asked: Promise<LoginCodeAnswer>): Promise<LoginCodeAnswer> {
    const answer = await asked;
    this.challenges.set(addressKey(address), answer.challenge_id);
    return answer;
  }

  /** A verification with the address's challenge (unless the caller gave one); the challenge is then spent. */
  private async withChallenge<B extends LoginVerifyBody | LinkVerifyBody, T>(
    body: B,
    verify: (body: B) => Promise<T>,
  ): Promise<T> {
    const challenge = body.challenge_id ?? this.challenges.get(addressKey(body));
    const result = await verify(challenge ? { ...body, challenge_id: challenge } : body);
    this.challenges.delete(addressKey(body));
    return result;
  }

  /**
   * Adopt a session (a login's answer, or a session made elsewhere); it is kept in storage and refreshed by
   * itself before its token runs out.
   */
  useSession(session: Session | LoginAnswer): Session {
    // Another account's outbox and chats are not this one's (also after an expired session was forgotten).
    const previous = this.keeper.current?.user_id ?? this.storage.getItem(`${this.storageKey}:user`);
    if (previous && previous !== session.user_id) this.forgetLocalState();
    const adopted = this.keeper.adopt(session);
    this.storage.setItem(`${this.storageKey}:user`, session.user_id);
    return adopted;
  }

  /**
   * Log out: the server ends this session (its tokens stop working everywhere), and everything this client
   * kept for it is forgotten. Resolves once the server was told (or could not be reached: the session is
   * forgotten here all the same).
   */
  async logout(): Promise<void> {
    const token = this.keeper.current?.token;
    this.disconnect();
    this.keeper.clear();
    this.forgetLocalState();
    if (token) await this.http.logout(token).catch(() => {});
  }

  // ── Connection ───────────────────────────────────────────────────────────────────────────────────────

  /** Open the socket and keep it open: reconnect with backoff, re-authenticate, resync, flush the outbox. */
  connect(): void {
    if (!this.keeper.current) throw new PapoError('unauthenticated', 'Log in first.');
    this.wanted = true;
    if (!this.socket) this.open();
  }

  disconnect(): void {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket) {
      this.onClose(socket);
      socket.close(1000, 'client disconnect');
    }
    this.setState('offline');
  }

  /** Reconnect now instead of after the backoff delay. */
  reconnectNow(): void {
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    if (this.wanted && !this.socket) this.open();
  }

  private open(): void {
    const session = this.keeper.current;
    if (!session) return;
    this.setState('connecting');
    const socket = new this.WebSocketImpl(this.wsUrl);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ action: 'auth', data: { token: session.token } }));
    socket.onmessage = (event) => {
      if (this.socket === socket) this.onFrame(String(event.data));
    };
    socket.onclose = (event) => this.onClose(socket, event.code);
    socket.onerror = () => {
      // A close event follows; reconnecting is handled there.
    };
  }

  private onClose(socket: WebSocketLike, code?: number): void {
    if (this.socket !== socket) return;
    // 4001: the token was refused or its session ended. A refreshed token may do; if the session is over,
    // the keeper says so (session_expired) and nothing reconnects.
    if (code === CLOSE_AUTH_FAILED && this.wanted) void this.renewAfterRefusal();
    this.socket = null;
    this.authenticated = false;
    this.typingNotifier.reset();
    for (const [id, request] of this.requests) {
      clearTimeout(request.timer as ReturnType<typeof setTimeout>);
      request.reject(new PapoError('internal', 'The connection was lost before the server answered.'));
      this.requests.delete(id);
    }
    for (const log of this.logs.values()) log.filling = false;
    this.setState('offline');
    if (!this.wanted) return;
    const delay = fullJitter(this.attempt++, this.reconnectBaseMs, this.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => {
      if (this.wanted && !this.socket) this.open();
    }, delay);
  }

  private setState(state: ConnectionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private sendFrame<A extends ActionName>(action: A, data: ActionDataOf<A>, requestId?: string): boolean {
    if (!this.authenticated || !this.socket) return false;
    this.socket.send(JSON.stringify(requestId ? { action, data, request_id: requestId } : { action, data }));
    return true;
  }

  /** An action whose reply (or error) comes back with our request_id. */
  private request<T extends ServerEvent>(action: ActionName, data: object): Promise<T> {
    const requestId = `r${++this.requestSeq}`;
    return new Promise<T>((resolve, reject) => {
      if (!this.sendFrame(action, data as never, requestId)) {
        reject(new PapoError('internal', 'Not connected; try again when online.'));
        return;
      }
      const timer = setTimeout(() => {
        this.requests.delete(requestId);
        reject(new PapoError('internal', 'The server did not answer in time.'));
      }, REQUEST_TIMEOUT_MS);
      this.requests.set(requestId, { resolve: resolve as (event: ServerEvent) => void, reject, timer });
    });
  }

  // ── Incoming frames ──────────────────────────────────────────────────────────────────────────────────

  private onFrame(text: string): void {
    let event: ServerEvent;
    try {
      event = JSON.parse(text) as ServerEvent;
    } catch {
      return;
    }
    switch (event.type) {
      case 'auth_ok':
        void this.onAuthOk(event);
        break;
      case 'message_created':
        this.onMessage(event.chat_id, event.message);
        break;
      case 'message_updated':
        this.onMessageUpdated(event);
        break;
      case 'ack':
        this.onAck(event);
        break;
      case 'read_receipt':
        this.onReadReceipt(event);
        break;
      case 'delivered_receipt':
        this.emit('delivered_receipt', event);
        break;
      case 'chat_receipts':
        this.raiseReceipts(this.log(event.chat_id), event.received_id, event.read_id);
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
        this.emit(event.type, event as never);
        break;
      case 'chat_updated':
        this.emit('chat_updated', event);
        this.emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'chat_added':
        // Placed by its first live message: the system message that says who added the user.
        this.log(event.chat_id).kind = event.kind;
        this.emit('chat_added', event);
        this.emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'chat_removed':
        this.emit('chat_removed', event);
        this.emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'chat_created':
        // A chat just made has no messages yet: live delivery starts at its first.
        this.log(event.chat_id).position ??= 0;
        this.log(event.chat_id).changeId ??= 0;
        this.log(event.chat_id).kind = event.kind;
        this.emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'dm_ready':
        // Unasked (the peer made it): the DM is new. The answer to our create_dm may name an old one.
        if (!event.request_id) {
          this.log(event.chat_id).position ??= 0;
          this.log(event.chat_id).changeId ??= 0;
        }
        this.log(event.chat_id).kind = 'dm';
        if (event.request_id || this.log(event.chat_id).position === undefined) void this.placeLater();
        this.emit('dm_ready', event);
        this.emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
      case 'joined':
      case 'left':
      case 'chat_muted':
        this.log(event.chat_id);
        if (event.type === 'joined' && this.log(event.chat_id).position === undefined) void this.placeLater();
        if (event.type === 'chat_muted') this.emit('chat_muted', event);
        this.emit('chats_changed', { chat_id: event.chat_id, reason: event.type });
        break;
    }
    if ('request_id' in event && event.request_id) this.settle(event.request_id, event);
  }

  private settle(requestId: string, event: ServerEvent): void {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    clearTimeout(request.timer as ReturnType<typeof setTimeout>);
    if (event.type === 'error') request.reject(new PapoError(event.error, event.message, event.retry_after));
    else request.resolve(event);
  }

  private async onAuthOk(event: ServerEventOf<'auth_ok'>): Promise<void> {
    this.attempt = 0;
    this.authenticated = true;
    this.setState('online');
    for (const chatId of event.chats) this.log(chatId);
    this.emit('auth', event);
    // Chats with a known position catch up from it (asked first, so what was stored while away arrives
    // before the acks of re-sent messages); the others start from where they are now.
    const unplaced = event.chats.filter((chatId) => this.log(chatId).position === undefined);
    for (const chatId of event.chats) if (!unplaced.includes(chatId)) void this.fill(this.log(chatId));
    for (const entry of this.outboxStore.pending()) this.transmit(entry);
    this.receipts.flushAll();
    // Otherwise placed by their first live message.
    if (unplaced.length > 0) await this.placeLater();
  }

  /**
   * A chat whose position is unknown (joined, or an existing DM) takes it from the chat list, so messages
   * sent from then on are delivered live or by the next resync, and older ones are history.
   */
  private placeLater(): Promise<void> {
    this.placing ??= this.http
      .chats()
      .then((summaries) => this.place(summaries))
      .catch(() => {})
      .finally(() => {
        this.placing = undefined;
      });
    return this.placing;
  }

  /** Takes each chat's position and read state from the chat list. */
  private place(summaries: ChatSummary[]): void {
    for (const summary of summaries) {
      const log = this.log(summary.chat_id);
      if (log.position === undefined) log.position = summary.last_message?.id ?? 0;
      if (log.changeId === undefined && summary.change_id !== undefined) log.changeId = summary.change_id;
      log.kind = summary.kind;
      this.raiseReceipts(log, summary.received_id ?? 0, summary.read_id ?? 0);
      // What arrived while no device of the user was connected is this device's now (it has the chat list's
      // last message, and the rest as history): received, or the sender's ticks would stay ✓ until a read.
      const last = summary.last_message;
      if (last && last.sender_id !== this.userId) this.receipts.received(summary.chat_id, last.id);
    }
  }

  /** The chat's lowest marks rose (chat_receipts, or the chat list): own messages up to them change state. */
  private raiseReceipts(log: ChatLog, receivedId: number, readId: number): void {
    const before = { received: log.receivedId, read: log.readId };
    log.receivedId = Math.max(log.receivedId, receivedId, readId);
    log.readId = Math.max(log.readId, readId);
    if (log.receivedId === before.received && log.readId === before.read) return;
    for (const message of log.messages) {
      if (message.sender_id !== this.userId || message.id <= before.read) continue;
      const state = this.stateIn(log, message.id);
      if ((state === 'read' && message.id > before.read) || (state === 'delivered' && message.id > before.received)) {
        this.emit('message_state', { chat_id: log.chatId, message_id: message.id, state });
      }
    }
    this.emit('receipts', { chat_id: log.chatId, received_id: log.receivedId, read_id: log.readId });
  }

  private onMessage(chatId: string, message: Message): void {
    const log = this.log(chatId);
    if (this.release(log, message)) void this.fill(log);
  }

  /** Hands a message to its chat's log and emits what that releases, in order; true when a gap remains. */
  private release(log: ChatLog, message: Message): boolean {
    const { released, gap } = log.accept(message);
    for (const held of released) {
      if (held.client_msg_id && held.sender_id === this.userId) {
        this.acknowledged(log.chatId, held.client_msg_id, held.id);
      }
      this.emit('message', this.decorate(log, held));
    }
    // This device has them: tell the server (coalesced), for messages from others.
    const newest = released.findLast((m) => m.sender_id !== this.userId);
    if (newest) this.receipts.received(log.chatId, newest.id);
    return gap;
  }

  /**
   * A message changed (edited, deleted, reacted to). Changes come in change id order; one that skips ids may
   * mean some were missed (a lost frame): the next sync asks for the changes after the last one applied.
   */
  private onMessageUpdated(event: ServerEventOf<'message_updated'>): void {
    const log = this.log(event.chat_id);
    const updated = log.update(event.message, event.change_id);
    if (log.changesGapAt !== undefined || (log.changeId !== undefined && event.change_id > log.changeId + 1)) {
      log.changesGapAt = Math.max(log.changesGapAt ?? 0, event.change_id);
      void this.fill(log);
    } else if (log.changeId === undefined || event.change_id > log.changeId) {
      log.changeId = event.change_id;
    }
    if (updated) this.emit('message_updated', this.decorate(log, updated));
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
      this.emit('chat_reset', { chat_id: log.chatId });
      return;
    }
    for (const message of page.updates ?? []) {
      const updated = log.update(message, page.change_id);
      if (updated) this.emit('message_updated', this.decorate(log, updated));
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
      const page = await this.request<ServerEventOf<'history'>>('sync', {
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
    log.filling = true;
    try {
      for (;;) {
        const after = log.position ?? 0;
        // A chat whose change id was never learnt asks from the start: the server answers the changes it keeps
        // (or changes_reset, and the few held messages are read again).
        const changesFrom = log.changeId ?? 0;
        const page = await this.request<ServerEventOf<'history'>>('sync', {
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
          if (this.authenticated && log.changesGapAt !== undefined) void this.fill(log);
        }, RESEND_AFTER_MS);
      }
    } catch (err) {
      // Over the read budget: not refused, only not now. Try again once the server says so.
      if (err instanceof PapoError && err.code === 'rate_limited') {
        setTimeout(
          () => {
            if (this.authenticated) void this.fill(log);
          },
          (err.retryAfter ?? 1) * 1000,
        );
        return;
      }
      // Offline again: the next auth_ok resumes from the position. Still online (the server answered
      // `internal`, say during a Redis failover) with messages held beyond the gap: try again shortly, as no
      // other event may come to prompt it.
      setTimeout(() => {
        if (this.authenticated && log.highestWaiting > 0) void this.fill(log);
      }, RESEND_AFTER_MS);
    } finally {
      log.filling = false;
    }
  }

  private onAck(ack: ServerEventOf<'ack'>): void {
    if (ack.client_msg_id) this.acknowledged(ack.chat_id, ack.client_msg_id, ack.server_msg_id);
  }

  private acknowledged(chatId: string, clientMsgId: string, messageId: number): void {
    if (!this.outboxStore.remove(clientMsgId)) return;
    const state = this.stateIn(this.log(chatId), messageId);
    this.emit('message_state', { chat_id: chatId, client_msg_id: clientMsgId, message_id: messageId, state });
    this.emit('outbox', this.outboxStore.list());
  }

  /** Ticks follow chat_receipts (every other member); a member's own receipt says who, for message info. */
  private onReadReceipt(event: ServerEventOf<'read_receipt'>): void {
    if (event.user_id === this.userId) this.receipts.readElsewhere(event.chat_id, event.message_id);
    this.emit('read_receipt', event);
  }

  private onError(event: ServerEventOf<'error'>): void {
    // The server closes with 4001 next; onClose refreshes the session.
    if (event.error === 'invalid_token') return;
    const clientMsgId = event.client_msg_id;
    const entry = clientMsgId ? this.outboxStore.get(clientMsgId) : undefined;
    if (entry) {
      if (event.error === 'rate_limited' || event.error === 'internal') {
        // Not refused, only not now: try the same message again later.
        const delay = event.error === 'rate_limited' ? (event.retry_after ?? 1) * 1000 : RESEND_AFTER_MS;
        setTimeout(() => {
          const current = this.outboxStore.get(entry.client_msg_id);
          if (current?.state === 'pending') this.transmit(current);
        }, delay);
        return;
      }
      this.outboxStore.update(entry.client_msg_id, {
        state: 'failed',
        error: { code: event.error, message: event.message },
      });
      this.emit('message_state', { chat_id: entry.chat_id, client_msg_id: entry.client_msg_id, state: 'failed' });
      this.emit('outbox', this.outboxStore.list());
      return;
    }
    if (!event.request_id) this.emit('error', event);
  }

  /** After a 4001: a fresh token, then reconnect at once; no session left: stop. */
  private async renewAfterRefusal(): Promise<void> {
    try {
      if (await this.keeper.refresh()) this.reconnectNow();
    } catch {
      // The server cannot be reached: the backoff reconnects, and the keeper tries again by itself.
    }
  }

  /** The keeper found the session over: nothing reconnects until the user logs in again. */
  private sessionEnded(): void {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket) {
      this.socket = null;
      this.authenticated = false;
      socket.close(1000, 'session ended');
      this.setState('offline');
    }
    this.emit('session_expired', undefined);
  }

  // ── Actions ──────────────────────────────────────────────────────────────────────────────────────────

  async createDm(peerUserId: string): Promise<ServerEventOf<'dm_ready'>> {
    const ready = await this.request<ServerEventOf<'dm_ready'>>('create_dm', { peer_user_id: peerUserId });
    await this.placing;
    return ready;
  }

  createPublicChat(title: string): Promise<ServerEventOf<'chat_created'>> {
    return this.request('create_public_chat', { title });
  }

  async joinChat(chatId: string): Promise<ServerEventOf<'joined'>> {
    const joined = await this.request<ServerEventOf<'joined'>>('join_chat', { chat_id: chatId });
    await this.placing;
    return joined;
  }

  /** Join a group with an invite code (see invitePreview for what it leads to). */
  async joinByInvite(code: string): Promise<ServerEventOf<'joined'>> {
    const joined = await this.request<ServerEventOf<'joined'>>('join_chat', { invite_code: code });
    await this.placing;
    return joined;
  }

  leaveChat(chatId: string): Promise<ServerEventOf<'left'>> {
    return this.request('leave_chat', { chat_id: chatId });
  }

  /** Create a private group (the caller is its owner) with the given members. */
  createGroup(group: ActionDataOf<'create_group'>): Promise<ServerEventOf<'chat_created'>> {
    return this.request('create_group', group);
  }

  addMembers(chatId: string, userIds: string[]): Promise<ServerEventOf<'members_added'>> {
    return this.request('add_members', { chat_id: chatId, user_ids: userIds });
  }

  removeMember(chatId: string, userId: string): Promise<ServerEventOf<'member_removed'>> {
    return this.request('remove_member', { chat_id: chatId, user_id: userId });
  }

  /** The owner makes someone an admin or a member, or hands over ownership (`owner`). */
  setRole(chatId: string, userId: string, role: Role): Promise<ServerEventOf<'role_set'>> {
    return this.request('set_role', { chat_id: chatId, user_id: userId, role });
  }

  updateChat(chatId: string, change: { title?: string; description?: string }): Promise<ServerEventOf<'chat_updated'>> {
    return this.request('update_chat', { chat_id: chatId, ...change });
  }

  createInvite(
    chatId: string,
    options: { expires_in_s?: number; max_uses?: number } = {},
  ): Promise<ServerEventOf<'invite_created'>> {
    return this.request('create_invite', { chat_id: chatId, ...options });
  }

  revokeInvite(chatId: string, code: string): Promise<ServerEventOf<'invite_revoked'>> {
    return this.request('revoke_invite', { chat_id: chatId, code });
  }

  chatInfo(chatId: string): Promise<ChatInfo> {
    return this.http.chatInfo(chatId);
  }

  invites(chatId: string): Promise<InviteInfo[]> {
    return this.http.invites(chatId);
  }

  invitePreview(code: string): Promise<InvitePreview> {
    return this.http.invitePreview(code);
  }

  /** The users this user blocked. */
  blocks(): Promise<UserProfile[]> {
    return this.http.blocks();
  }

  block(userId: string): Promise<void> {
    return this.http.block(userId);
  }

  unblock(userId: string): Promise<void> {
    return this.http.unblock(userId);
  }

  muteChat(chatId: string, until: number): Promise<ServerEventOf<'chat_muted'>> {
    return this.request('mute_chat', { chat_id: chatId, until });
  }

  /**
   * Queue a message: sent now when online, else on reconnect; its state follows through events. `replyTo`
   * quotes a message of the chat; `mentions` names members (others are left out by the server).
   */
  send(chatId: string, body: string, options: { replyTo?: number; mentions?: string[] } = {}): OutboxEntry {
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

  /** Queue a forward: a copy of a message the user can read (`source`), with `forwarded: true`, into `chatId`. */
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

  private queue(entry: OutboxEntry): OutboxEntry {
    this.outboxStore.add(entry);
    this.typingNotifier.stop(entry.chat_id);
    this.emit('outbox', this.outboxStore.list());
    this.transmit(entry);
    return entry;
  }

  private transmit(entry: OutboxEntry): void {
    const data: ActionDataOf<'send_message'> = { chat_id: entry.chat_id, client_msg_id: entry.client_msg_id };
    if (entry.forward_of) data.forward_of = entry.forward_of;
    else data.body = entry.body;
    if (entry.reply_to !== undefined) data.reply_to = entry.reply_to;
    if (entry.mentions?.length) data.mentions = entry.mentions;
    this.sendFrame('send_message', data);
  }

  /**
   * Change the text of an own message (within the server's edit window). Resolves once stored; every member,
   * this client too, then gets `message_updated`. Not queued: it fails at once when offline.
   */
  editMessage(chatId: string, messageId: number, body: string): Promise<ServerEventOf<'change_ack'>> {
    return this.request('edit_message', { chat_id: chatId, message_id: messageId, body });
  }

  /** Delete a message for everyone: an own one within the server's window, or any as a group admin. */
  deleteMessage(chatId: string, messageId: number): Promise<ServerEventOf<'change_ack'>> {
    return this.request('delete_message', { chat_id: chatId, message_id: messageId });
  }

  /** React with one emoji (replacing the user's reaction to it), or remove it with ''. */
  react(chatId: string, messageId: number, emoji: string): Promise<ServerEventOf<'change_ack'>> {
    return this.request('react', { chat_id: chatId, message_id: messageId, emoji });
  }

  /** Try a failed message again. */
  retry(clientMsgId: string): void {
    const entry = this.outboxStore.update(clientMsgId, { state: 'pending' });
    if (!entry) return;
    this.emit('outbox', this.outboxStore.list());
    this.transmit(entry);
  }

  /** Give up on a failed message. */
  discard(clientMsgId: string): void {
    if (this.outboxStore.remove(clientMsgId)) this.emit('outbox', this.outboxStore.list());
  }

  /**
   * Mark the chat read up to a message: told to the server when higher than before, at most once a second per
   * chat (the last mark of a burst follows when the second is up). A read stands for received too.
   */
  markRead(chatId: string, messageId: number): void {
    this.receipts.read(chatId, messageId);
  }

  /** Message info: who of the members read and received an own message (or, for a group admin, any), and when. */
  messageReceipts(chatId: string, messageId: number): Promise<MessageReceipts> {
    return this.http.messageReceipts(chatId, messageId);
  }

  /** Call on every keystroke in a chat's composer. */
  typing(chatId: string): void {
    this.typingNotifier.keystroke(chatId);
  }

  stopTyping(chatId: string): void {
    this.typingNotifier.stop(chatId);
  }

  sync(chatId: string, afterId: number, limit?: number): Promise<ServerEventOf<'history'>> {
    return this.request(
      'sync',
      limit ? { chat_id: chatId, after_id: afterId, limit } : { chat_id: chatId, after_id: afterId },
    );
  }

  // ── HTTP reads ───────────────────────────────────────────────────────────────────────────────────────

  /** The user's own profile, with how the account logs in (`temporary`, `phone`, `email`). */
  me(): Promise<MyProfile> {
    return this.http.me();
  }

  /** Whoever logs in with exactly this phone or e-mail (a `not_found` error when nobody does); rate limited. */
  lookupUser(login: { phone: string } | { email: string }): Promise<Contact> {
    return this.http.lookupUser(login);
  }

  /** Changes the user's name and "about" line (an empty `about` removes it); the profile as it now is. */
  updateProfile(change: ProfileUpdateBody): Promise<MyProfile> {
    return this.http.updateProfile(change);
  }

  /** The user's sessions (devices logged in), the most recently used first; `current` is this one. */
  sessions(): Promise<SessionInfo[]> {
    return this.http.sessions();
  }

  /** Ends one of the user's sessions (another device): its connections close at once. */
  endSession(sessionId: string): Promise<void> {
    return this.http.endSession(sessionId);
  }

  /** "Log out other devices": ends every session but this one; resolves with how many ended. */
  endOtherSessions(): Promise<number> {
    return this.http.endOtherSessions();
  }

  /** Sends a code to tie this account to a phone or e-mail (a temporary account then lasts, and can log in anywhere). */
  requestLinkCode(body: LoginCodeBody): Promise<LoginCodeAnswer> {
    return this.keepChallenge(body, this.http.requestLinkCode(body));
  }

  /** Ties this account to the phone or e-mail the code went to; resolves with the updated profile. */
  verifyLinkCode(body: LinkVerifyBody): Promise<MyProfile> {
    return this.withChallenge(body, (withIt) => this.http.verifyLinkCode(withIt));
  }

  onlineUsers(): Promise<UserProfile[]> {
    return this.http.onlineUsers();
  }

  user(userId: string): Promise<UserDetails> {
    return this.http.user(userId);
  }

  /** Every chat of the caller (all pages), the most recently active first. */
  async chats(): Promise<ChatSummary[]> {
    const summaries = await this.http.chats();
    this.place(summaries);
    return summaries;
  }

  /** Every public chat, the newest first (all pages; see publicChatsPage for one at a time). */
  publicChats(): Promise<PublicChatSummary[]> {
    return this.http.publicChats();
  }

  /** One page of the caller's chats; pass `next_cursor` back as `cursor` for the next (null: the last). */
  async chatsPage(options: PageOptions = {}): Promise<ChatsPage> {
    const page = await this.http.chatsPage(options);
    this.place(page.chats);
    return page;
  }

  /**
   * One page of the people who share a chat with the caller, online first then by name within the page; pass
   * `next_cursor` back as `cursor` for the next (null: the last).
   */
  contacts(cursor?: string, limit?: number): Promise<ContactsPage> {
    return this.http.contactsPage({ cursor, ...(limit === undefined ? {} : { limit }) });
  }

  /** One page of the public chats, the newest first; `next_cursor` as for chatsPage. */
  publicChatsPage(options: PageOptions = {}): Promise<PublicChatsPage> {
    return this.http.publicChatsPage(options);
  }

  // ── Local state ──────────────────────────────────────────────────────────────────────────────────────

  /** The messages this client holds for a chat, in id order. */
  messages(chatId: string): ChatMessage[] {
    const log = this.log(chatId);
    return log.messages.map((m) => this.decorate(log, m));
  }

  /** Fetch the page before the oldest message held; resolves with it ([] at the chat's start). */
  async loadOlder(chatId: string, limit = 30): Promise<ChatMessage[]> {
    const log = this.log(chatId);
    const before = log.oldestId ?? (log.position === undefined ? undefined : log.position + 1);
    if (before === 1) {
      log.atStart = true;
      return [];
    }
    const { messages: page, more } = await this.http.historyPage(chatId, {
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

  outbox(chatId?: string): OutboxEntry[] {
    return this.outboxStore.list(chatId);
  }

  /**
   * An own (stored) message's ticks: `read` once every other member read it, `delivered` once every other
   * member's device has it, else `sent`; public chats stay `sent` (contract section 10).
   */
  messageState(chatId: string, messageId: number): MessageState | undefined {
    return this.stateIn(this.log(chatId), messageId);
  }

  /** The chat's lowest marks: every member has received (read) the messages up to these. */
  chatReceipts(chatId: string): { received_id: number; read_id: number } {
    const log = this.log(chatId);
    return { received_id: log.receivedId, read_id: log.readId };
  }

  /** The highest id this device told the server it read (or learnt was read on another device). */
  readSentId(chatId: string): number {
    return this.receipts.readSent(chatId);
  }

  private stateIn(log: ChatLog, messageId: number): MessageState {
    if (log.kind === 'public') return 'sent';
    if (messageId <= log.readId) return 'read';
    if (messageId <= log.receivedId) return 'delivered';
    return 'sent';
  }

  private decorate(log: ChatLog, message: ChatMessage): ChatMessage {
    if (message.sender_id !== this.userId) return message;
    return { ...message, state: this.stateIn(log, message.id) };
  }

  private log(chatId: string): ChatLog {
    let log = this.logs.get(chatId);
    if (!log) {
      log = new ChatLog(chatId);
      this.logs.set(chatId, log);
    }
    return log;
  }

  private forgetLocalState(): void {
    this.logs.clear();
    this.receipts.reset();
    this.outboxStore.clear();
    this.typingNotifier.reset();
  }
}

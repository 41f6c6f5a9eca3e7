import type {
  ActionDataOf,
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
  MediaInfo,
  MessageReceipts,
  MyProfile,
  ProfileUpdateBody,
  PublicChatSummary,
  PublicChatsPage,
  PushSubscriptionBody,
  Role,
  ServerEventOf,
  SessionInfo,
  UserDetails,
  UserProfile,
} from '@papo/protocol';
import type { ChatSnapshot } from './chat-snapshot.js';
import { ChatSync } from './chat-sync.js';
import { Connection } from './connection.js';
import { type Emit, Emitter } from './emitter.js';
import { PapoError } from './errors.js';
import { FrameRouter } from './frame-router.js';
import { HttpApi, type PageOptions } from './http.js';
import { LoginChallenges } from './login-challenges.js';
import { ClientMedia } from './media.js';
import type { UploadOptions } from './media-upload.js';
import { memoryStorage, Outbox } from './outbox.js';
import { type MediaSendOptions, OutboxSender } from './outbox-sender.js';
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
} from './types.js';
import { TypingNotifier } from './typing.js';

/**
 * Papo's client: login, one WebSocket kept open (reconnect with full-jitter backoff, re-auth), every message
 * delivered once and in id order per chat (gaps and reconnects filled with `sync`), an outbox that re-sends
 * what was not acknowledged, and typed events for everything else. Works in browsers and in Node.
 *
 * This class is the API apps call; it delegates to its parts: the `Connection` (socket, backoff, requests),
 * the `FrameRouter` (each incoming frame to its owner), `ChatSync` (chat logs kept in step with the server)
 * and the `OutboxSender` (messages on their way).
 */
export class PapoClient extends Emitter<ClientEvents> {
  private readonly http: HttpApi;
  private readonly storage: KeyValueStorage;
  private readonly storageKey: string;
  private readonly typingNotifier: TypingNotifier;
  private readonly receipts: ReceiptSender;
  private readonly keeper: SessionKeeper;
  private readonly connection: Connection;
  private readonly chatSync: ChatSync;
  private readonly sender: OutboxSender;
  private readonly router: FrameRouter;
  private readonly challenges = new LoginChallenges();
  private readonly media: ClientMedia;
  /** Whether the app is in front of its user (`setActive`); told again on every connection when it is not. */
  private active = true;

  constructor(options: PapoClientOptions) {
    super();
    const base = options.baseUrl.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.http = new HttpApi(
      base,
      fetchImpl,
      () => this.keeper.current?.token,
      () => this.keeper.refresh(),
    );
    const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl) throw new Error('No WebSocket: pass options.WebSocket (in Node 20, the `ws` package).');
    this.storage = options.storage ?? memoryStorage();
    this.storageKey = options.storageKey ?? 'papo';
    const emit: Emit<ClientEvents> = (name, payload) => this.emit(name, payload);
    const userId = () => this.userId;
    this.typingNotifier = new TypingNotifier(
      (chatId, isTyping) => this.connection.send('typing', { chat_id: chatId, is_typing: isTyping }),
      options.typingThrottleMs ?? 2000,
      options.typingIdleMs ?? 3000,
    );
    this.media = new ClientMedia({
      baseUrl: base,
      fetch: fetchImpl,
      token: () => this.keeper.current?.token,
      renew: () => this.keeper.refresh(),
      http: this.http,
      blobStore: options.blobStore,
      storeKey: (clientMsgId) => `${this.storageKey}:upload:${clientMsgId}`,
      sender: () => this.sender,
    });
    this.sender = new OutboxSender({
      outbox: new Outbox(this.storage, `${this.storageKey}:outbox`),
      send: (data) => this.connection.send('send_message', data),
      typing: this.typingNotifier,
      emit,
      stateOf: (chatId, messageId) => this.chatSync.messageState(chatId, messageId),
      uploads: this.media.uploads,
    });
    this.receipts = new ReceiptSender((action, chatId, messageId) =>
      this.connection.send(action, { chat_id: chatId, message_id: messageId }),
    );
    this.keeper = new SessionKeeper(
      this.storage,
      `${this.storageKey}:session`,
      (refreshToken) => this.http.refresh(refreshToken),
      () => this.sessionEnded(),
      (session) => this.emit('session_renewed', session),
    );
    this.connection = new Connection({
      WebSocket: WebSocketImpl,
      url: `${base.replace(/^http/, 'ws')}/ws`,
      reconnectBaseMs: options.reconnectBaseMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 15_000,
      token: () => this.keeper.current?.token,
      renew: () => this.keeper.refresh(),
      onEvent: (event) => this.router.route(event),
      onState: (state) => this.emit('state', state),
      onDropped: () => {
        this.typingNotifier.reset();
        this.chatSync.connectionLost();
      },
    });
    this.chatSync = new ChatSync({
      http: this.http,
      connection: this.connection,
      receipts: this.receipts,
      emit,
      userId,
      acknowledged: (chatId, clientMsgId, messageId) => this.sender.acknowledged(chatId, clientMsgId, messageId),
    });
    this.router = new FrameRouter({ sync: this.chatSync, sender: this.sender, receipts: this.receipts, emit, userId });
    // A new connection counts as active on the server: an app in the background says so again.
    this.on('auth', () => {
      if (!this.active) this.connection.send('set_active', { active: false });
    });
    if (this.keeper.current) this.sender.resumeUploads(`${this.storageKey}:upload:`);
  }

  get session(): Session | null {
    return this.keeper.current;
  }

  get userId(): string | undefined {
    return this.keeper.current?.user_id;
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  // ── Login ────────────────────────────────────────────────────────────────────────────────────────────

  async loginTemporary(username: string, avatarUrl?: string): Promise<Session> {
    return this.useSession(await this.http.loginTemporary(username, avatarUrl));
  }

  /** Sends a code to a phone or e-mail; its challenge is kept for `verifyCode` of the same address. */
  requestCode(body: LoginCodeBody): Promise<LoginCodeAnswer> {
    return this.challenges.keep(body, this.http.requestCode(body));
  }

  async verifyCode(body: LoginVerifyBody): Promise<Session> {
    return this.useSession(await this.challenges.verify(body, (withIt) => this.http.verifyCode(withIt)));
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
    this.connection.connect();
  }

  disconnect(): void {
    this.connection.disconnect();
  }

  /** Reconnect now instead of after the backoff delay. */
  reconnectNow(): void {
    this.connection.reconnectNow();
  }

  /** The keeper found the session over: nothing reconnects until the user logs in again. */
  private sessionEnded(): void {
    this.connection.end();
    this.emit('session_expired', undefined);
  }

  // ── Actions ──────────────────────────────────────────────────────────────────────────────────────────

  async createDm(peerUserId: string): Promise<ServerEventOf<'dm_ready'>> {
    const ready = await this.connection.request<ServerEventOf<'dm_ready'>>('create_dm', { peer_user_id: peerUserId });
    await this.chatSync.placing;
    return ready;
  }

  createPublicChat(title: string): Promise<ServerEventOf<'chat_created'>> {
    return this.connection.request('create_public_chat', { title });
  }

  async joinChat(chatId: string): Promise<ServerEventOf<'joined'>> {
    const joined = await this.connection.request<ServerEventOf<'joined'>>('join_chat', { chat_id: chatId });
    await this.chatSync.placing;
    return joined;
  }

  /** Join a group with an invite code (see invitePreview for what it leads to). */
  async joinByInvite(code: string): Promise<ServerEventOf<'joined'>> {
    const joined = await this.connection.request<ServerEventOf<'joined'>>('join_chat', { invite_code: code });
    await this.chatSync.placing;
    return joined;
  }

  leaveChat(chatId: string): Promise<ServerEventOf<'left'>> {
    return this.connection.request('leave_chat', { chat_id: chatId });
  }

  /** Create a private group (the caller is its owner) with the given members. */
  createGroup(group: ActionDataOf<'create_group'>): Promise<ServerEventOf<'chat_created'>> {
    return this.connection.request('create_group', group);
  }

  addMembers(chatId: string, userIds: string[]): Promise<ServerEventOf<'members_added'>> {
    return this.connection.request('add_members', { chat_id: chatId, user_ids: userIds });
  }

  removeMember(chatId: string, userId: string): Promise<ServerEventOf<'member_removed'>> {
    return this.connection.request('remove_member', { chat_id: chatId, user_id: userId });
  }

  /** The owner makes someone an admin or a member, or hands over ownership (`owner`). */
  setRole(chatId: string, userId: string, role: Role): Promise<ServerEventOf<'role_set'>> {
    return this.connection.request('set_role', { chat_id: chatId, user_id: userId, role });
  }

  /** Change a group's title, description or picture (`avatar_media_id`: an image uploaded; '' removes it). */
  updateChat(
    chatId: string,
    change: Omit<ActionDataOf<'update_chat'>, 'chat_id'>,
  ): Promise<ServerEventOf<'chat_updated'>> {
    return this.connection.request('update_chat', { chat_id: chatId, ...change });
  }

  createInvite(
    chatId: string,
    options: { expires_in_s?: number; max_uses?: number } = {},
  ): Promise<ServerEventOf<'invite_created'>> {
    return this.connection.request('create_invite', { chat_id: chatId, ...options });
  }

  revokeInvite(chatId: string, code: string): Promise<ServerEventOf<'invite_revoked'>> {
    return this.connection.request('revoke_invite', { chat_id: chatId, code });
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
    return this.connection.request('mute_chat', { chat_id: chatId, until });
  }

  /**
   * Queue a message: sent now when online, else on reconnect; its state follows through events. `replyTo`
   * quotes a message of the chat; `mentions` names members (others are left out by the server).
   */
  send(chatId: string, body: string, options: { replyTo?: number; mentions?: string[] } = {}): OutboxEntry {
    return this.sender.send(chatId, body, options);
  }

  /**
   * Queue a photo, video, voice note or file: uploaded first, then sent; the outbox entry's `media` says how
   * far the upload is (`upload_progress` events) and holds an object URL of the bytes to show meanwhile.
   */
  sendMedia(chatId: string, file: Blob, options: MediaSendOptions = {}): OutboxEntry {
    return this.sender.sendMedia(chatId, file, options);
  }

  /** Upload bytes (`POST /api/media`) without sending them, e.g. for a profile or group picture. */
  uploadMedia(file: Blob, options?: UploadOptions): Promise<MediaInfo> {
    return this.media.upload(file, options);
  }

  /**
   * A URL of a media's bytes for `<img>`, `<video>`, `<audio>` or a download: a signed link (ids asked for in
   * the same tick share one request; links are kept until shortly before they run out).
   */
  mediaUrl(mediaId: string): Promise<string> {
    return this.media.mediaUrl(mediaId);
  }

  /** An object URL (`blob:`) of bytes this page uploaded itself, while it keeps them: shown without a download. */
  localMediaUrl(mediaId: string): string | undefined {
    return this.media.localUrl(mediaId);
  }

  /** A URL of a media's thumbnail (a JPEG of at most 320 px a side), signed as `mediaUrl`'s. */
  thumbnailUrl(mediaId: string): Promise<string> {
    return this.media.thumbnailUrl(mediaId);
  }

  /** Queue a forward: a copy of a message the user can read (`source`), with `forwarded: true`, into `chatId`. */
  forward(chatId: string, source: { chat_id: string; message_id: number }): OutboxEntry {
    return this.sender.forward(chatId, source);
  }

  /**
   * Change the text of an own message (within the server's edit window). Resolves once stored; every member,
   * this client too, then gets `message_updated`. Not queued: it fails at once when offline.
   */
  editMessage(chatId: string, messageId: number, body: string): Promise<ServerEventOf<'change_ack'>> {
    return this.connection.request('edit_message', { chat_id: chatId, message_id: messageId, body });
  }

  /** Delete a message for everyone: an own one within the server's window, or any as a group admin. */
  deleteMessage(chatId: string, messageId: number): Promise<ServerEventOf<'change_ack'>> {
    return this.connection.request('delete_message', { chat_id: chatId, message_id: messageId });
  }

  /** React with one emoji (replacing the user's reaction to it), or remove it with ''. */
  react(chatId: string, messageId: number, emoji: string): Promise<ServerEventOf<'change_ack'>> {
    return this.connection.request('react', { chat_id: chatId, message_id: messageId, emoji });
  }

  /** Try a failed message again. */
  retry(clientMsgId: string): void {
    this.sender.retry(clientMsgId);
  }

  /** Give up on a failed message, or cancel a media message still uploading. */
  discard(clientMsgId: string): void {
    this.sender.discard(clientMsgId);
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

  /**
   * Whether the app is in front of its user (a browser tab: visible). While none of a user's connections is
   * active for the server's PUSH_IDLE_S, new messages are pushed to their devices (Web Push).
   */
  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    this.connection.send('set_active', { active });
  }

  sync(chatId: string, afterId: number, limit?: number): Promise<ServerEventOf<'history'>> {
    return this.connection.request(
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

  /**
   * Changes the user's name, "about" line (an empty `about` removes it) or picture (`avatar_media_id`: an image
   * uploaded, cropped square; '' removes it); the profile as it now is.
   */
  updateProfile(change: ProfileUpdateBody): Promise<MyProfile> {
    return this.http.updateProfile(change);
  }

  /** The server's VAPID public key: `applicationServerKey` for `pushManager.subscribe` (base64url). */
  pushKey(): Promise<string> {
    return this.http.pushKey();
  }

  /**
   * Keep this device's Web Push subscription on the server (`PushSubscription.toJSON()`); sending it again is
   * harmless, and keeps the server's copy fresh.
   */
  subscribePush(subscription: PushSubscriptionBody): Promise<void> {
    return this.http.subscribePush(subscription);
  }

  /** Stop pushes to this device (its subscription's endpoint); call before `logout`, which forgets the token. */
  unsubscribePush(endpoint: string): Promise<void> {
    return this.http.unsubscribePush(endpoint);
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
    return this.challenges.keep(body, this.http.requestLinkCode(body));
  }

  /** Ties this account to the phone or e-mail the code went to; resolves with the updated profile. */
  verifyLinkCode(body: LinkVerifyBody): Promise<MyProfile> {
    return this.challenges.verify(body, (withIt) => this.http.verifyLinkCode(withIt));
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
    this.chatSync.place(summaries);
    return summaries;
  }

  /** Every public chat, the newest first (all pages; see publicChatsPage for one at a time). */
  publicChats(): Promise<PublicChatSummary[]> {
    return this.http.publicChats();
  }

  /** One page of the caller's chats; pass `next_cursor` back as `cursor` for the next (null: the last). */
  async chatsPage(options: PageOptions = {}): Promise<ChatsPage> {
    const page = await this.http.chatsPage(options);
    this.chatSync.place(page.chats);
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
    return this.chatSync.messages(chatId);
  }

  /** Fetch the page before the oldest message held; resolves with it ([] at the chat's start). */
  loadOlder(chatId: string, limit = 30): Promise<ChatMessage[]> {
    return this.chatSync.loadOlder(chatId, limit);
  }

  hasOlder(chatId: string): boolean {
    return this.chatSync.hasOlder(chatId);
  }

  /**
   * A chat's position and newest `limit` messages, for an app that keeps them across page loads (undefined
   * while the chat is not placed). Give them back with `restoreChats` before `connect`.
   */
  chatSnapshot(chatId: string, limit = 50): ChatSnapshot | undefined {
    return this.chatSync.snapshot(chatId, limit);
  }

  /**
   * Chats as an app's cache kept them (`chatSnapshot`), before `connect`: their messages are held at once, and on
   * auth each catches up with `sync` after its position rather than being placed anew. Chats already held are
   * left as they are.
   */
  restoreChats(snapshots: ChatSnapshot[]): void {
    this.chatSync.restore(snapshots);
  }

  outbox(chatId?: string): OutboxEntry[] {
    return this.sender.list(chatId);
  }

  /**
   * An own (stored) message's ticks: `read` once every other member read it, `delivered` once every other
   * member's device has it, else `sent`; public chats stay `sent` (contract section 10).
   */
  messageState(chatId: string, messageId: number): MessageState | undefined {
    return this.chatSync.messageState(chatId, messageId);
  }

  /** The chat's lowest marks: every member has received (read) the messages up to these. */
  chatReceipts(chatId: string): { received_id: number; read_id: number } {
    return this.chatSync.chatReceipts(chatId);
  }

  /** The highest id this device told the server it read (or learnt was read on another device). */
  readSentId(chatId: string): number {
    return this.receipts.readSent(chatId);
  }

  private forgetLocalState(): void {
    this.media.clearLinks();
    this.chatSync.clear();
    this.receipts.reset();
    this.sender.clear();
    this.typingNotifier.reset();
  }
}

import type {
  ChatMessage,
  ClientEvents,
  ConnectionState,
  MediaSendOptions,
  OutboxEntry,
  PapoClient,
} from '@papo/client';
import { Emitter } from '@papo/client';
import { type ChatSummary, LIMITS, type Message, type MyProfile } from '@papo/protocol';
import { isSystem } from '../lib/system-text';
import { Blocks } from './blocks';
import { activity, type ChatItem, mentionUnread, mergeChats, unreadCount } from './chats';
import { Departures } from './departures';
import { type GroupHost, Groups } from './groups';
import { MessageActions } from './message-actions';
import { Notified } from './notified';
import { People, type Person } from './people';
import { TypingTracker } from './typing';

export type { ChatItem } from './chats';

/** What the conversation view shows: held messages, then sent ones still on their way. */
export type ShownMessage =
  | { kind: 'message'; message: ChatMessage }
  | { kind: 'outbox'; entry: OutboxEntry }
  | { kind: 'acked'; entry: OutboxEntry; message_id: number };

export type Notification = { chat_id: string; message: ChatMessage; muted: boolean; audible: boolean };

export type StoreEvents = {
  change: undefined;
  /** A message from someone else in a chat that is not in front of the user (for sound and the title). */
  notify: Notification;
  /** A message from someone else in the chat in front of the user (for the screen reader). */
  incoming: ChatMessage;
  /** The store subscribed to the SDK and connects (a cold start with a session, or a login). */
  started: undefined;
  /** Logged out (`expired`: the session ended elsewhere): what the session kept goes. */
  stopped: { expired: boolean };
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** Pages of the chat list one refresh walks at most (the server caps a user's chats well below this). */
const MAX_CHAT_PAGES = 50;

/**
 * The app's state around the SDK: the chat list with unread counts, people and their presence, who is typing,
 * which chat is open. The SDK holds messages and the outbox; this listens to its events and derives the rest.
 * Components subscribe through `useStore` and re-render on `change`.
 */
export class AppStore extends Emitter<StoreEvents> implements GroupHost {
  readonly people: People;
  readonly typing: TypingTracker;
  readonly groups: Groups;
  readonly blocks: Blocks;
  readonly messages: MessageActions;
  private readonly departures = new Departures();
  private readonly notified = new Notified();
  /** The invite code of the link the page was opened with (#/invite/CODE), until joined or dismissed. */
  private invite: string | null = null;
  private chatsById = new Map<string, ChatItem>();
  private chatsLoaded = false;
  /** Every page of the chat list has come (false while later pages are loading). */
  chatsComplete = true;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private unsubscribers: Array<() => void> = [];
  /** Outbox as last seen: an acknowledged entry is shown from here until its message_created arrives. */
  private lastOutbox: OutboxEntry[] = [];
  private acked = new Map<string, { entry: OutboxEntry; message_id: number }>();
  private openChat: string | null = null;
  private marker: { chatId: string; afterId: number; count: number } | null = null;
  private visible = typeof document === 'undefined' ? true : document.visibilityState === 'visible';
  private stateValue: ConnectionState;
  private me: MyProfile | undefined;
  private version = 0;
  /** Unsent text per chat, kept while switching chats. */
  readonly drafts = new Map<string, string>();
  /** The session ended because the token expired (the login screen says so). */
  sessionExpired = false;

  constructor(readonly client: PapoClient) {
    super();
    this.stateValue = client.state;
    this.people = new People(client, () => this.changed());
    this.typing = new TypingTracker(() => this.changed());
    this.groups = new Groups(this);
    this.blocks = new Blocks(client, () => this.changed());
    this.messages = new MessageActions(client, () => this.changed());
  }

  // ── Life ─────────────────────────────────────────────────────────────────────────────────────────────

  get loggedIn(): boolean {
    return this.client.session !== null;
  }

  /** Subscribe to the SDK and connect. Idempotent. */
  start(): void {
    if (this.unsubscribers.length > 0 || !this.client.session) return;
    this.sessionExpired = false;
    const on = <K extends keyof ClientEvents>(name: K, listener: (payload: ClientEvents[K]) => void) =>
      this.unsubscribers.push(this.client.on(name, listener));
    on('state', (state) => {
      this.stateValue = state;
      this.changed();
    });
    on('auth', () => {
      void this.refreshChats();
      void this.loadMe();
      void this.blocks.load();
      this.people.refreshPresence([...this.chatsById.values()].flatMap((c) => c.peer_user_id ?? []));
      this.markOpenChatRead();
    });
    on('message', (message) => this.onMessage(message));
    on('outbox', (entries) => {
      this.lastOutbox = entries;
      this.changed();
    });
    on('message_state', (change) => {
      if (change.client_msg_id && change.message_id && change.state !== 'failed') {
        const entry = this.lastOutbox.find((e) => e.client_msg_id === change.client_msg_id);
        const held = this.client.messages(change.chat_id).some((m) => m.id === change.message_id);
        if (entry && !held) this.acked.set(entry.client_msg_id, { entry, message_id: change.message_id });
      }
      this.changed();
    });
    on('read_receipt', (receipt) => {
      if (receipt.user_id === this.client.userId) this.readUpTo(receipt.chat_id, receipt.message_id);
      this.changed();
    });
    // Ticks are read from the SDK at render time: a chat's marks rising is all it takes to redraw them.
    on('receipts', () => this.changed());
    on('message_updated', (message) => this.onMessageUpdated(message));
    // The SDK read the held messages again (too many changes to catch up one by one): redraw, list included.
    on('chat_reset', () => void this.refreshChats());
    on('typing', (event) => {
      if (event.user_id !== this.client.userId) this.typing.set(event.chat_id, event.user_id, event.is_typing);
    });
    on('presence', (event) => this.people.presence(event.user_id, event.status === 'online', event.last_seen));
    on('chats_changed', (event) => {
      // A mute or a new title is applied from its own event: no need to load the whole list again.
      if (event.reason !== 'chat_muted' && event.reason !== 'chat_updated') void this.refreshChats();
      if (event.reason === 'joined' || event.reason === 'chat_added') this.back(event.chat_id);
      if (event.reason !== 'left') return;
      // A group left (here or on another device) stays open, read-only; a public chat closes.
      if (this.chatsById.get(event.chat_id)?.kind === 'group')
        this.markGone(event.chat_id, 'left', this.client.userId ?? '');
      else if (this.openChat === event.chat_id) this.setOpenChat(null);
    });
    on('chat_removed', (event) => this.markGone(event.chat_id, 'removed', event.by));
    on('blocks_changed', (event) => this.blocks.apply(event.user_id, event.blocked));
    on('chat_updated', (event) => this.groups.updated(event.chat_id, event.title, event.description, event.avatar_url));
    on('chat_member_role', (event) => {
      const chat = this.chatsById.get(event.chat_id);
      if (chat && event.user_id === this.client.userId) chat.role = event.role;
      this.groups.infos.stale(event.chat_id);
      this.changed();
    });
    on('chat_muted', (event) => {
      const chat = this.chatsById.get(event.chat_id);
      if (chat) chat.muted_until = event.until;
      this.changed();
    });
    on('chat_member_added', (event) => {
      this.groups.infos.stale(event.chat_id);
      this.changed();
    });
    on('chat_member_removed', (event) => {
      this.groups.infos.stale(event.chat_id);
      this.changed();
    });
    on('session_expired', () => this.stop(true));
    this.lastOutbox = this.client.outbox();
    this.emit('started', undefined);
    this.client.connect();
    void this.refreshChats();
    void this.loadMe();
    void this.blocks.load();
  }

  /**
   * Unsubscribe and forget the session's state; `expired` (the session ended elsewhere) shows the "log in
   * again" notice, otherwise this is a logout and the server ends the session too.
   */
  stop(expired = false): void {
    for (const off of this.unsubscribers.splice(0)) off();
    if (!expired) void this.client.logout();
    this.chatsById.clear();
    this.chatsLoaded = false;
    this.notified.clear();
    this.acked.clear();
    this.drafts.clear();
    this.typing.clear();
    this.people.clear();
    this.groups.infos.clear();
    this.blocks.clear();
    this.messages.clear();
    this.departures.clear();
    this.me = undefined;
    this.openChat = null;
    this.sessionExpired = expired;
    this.emit('stopped', { expired });
    this.changed();
  }

  /**
   * The state the offline cache kept (a cold start, before connecting): shown until the server's answers
   * replace it. Ignored once the server's chat list has come.
   */
  restoreCached(chats: ChatItem[], people: Array<Pick<Person, 'user_id' | 'username' | 'avatar_url'>>, me?: MyProfile) {
    if (this.chatsLoaded) return;
    this.chatsById = new Map(chats.map((chat) => [chat.chat_id, chat]));
    for (const person of people) this.people.seed(person.user_id, person);
    this.me ??= me;
    this.chatsLoaded = true;
    this.changed();
  }

  // ── Subscription (React's useSyncExternalStore) ──────────────────────────────────────────────────────

  subscribe = (listener: () => void): (() => void) => this.on('change', listener);
  getVersion = (): number => this.version;

  changed(): void {
    this.version++;
    this.emit('change', undefined);
  }

  // ── Reads ────────────────────────────────────────────────────────────────────────────────────────────

  get state(): ConnectionState {
    return this.stateValue;
  }

  get profile(): MyProfile | undefined {
    return this.me;
  }

  /**
   * A new profile picture (a square JPEG the cropper made): uploaded, then set (PATCH /api/me); null removes
   * it. Everyone sees it from `avatar_url`, a link that needs no login.
   */
  async setAvatar(picture: Blob | null): Promise<void> {
    const mediaId = picture ? (await this.client.uploadMedia(picture)).media_id : '';
    const profile = await this.client.updateProfile({ avatar_media_id: mediaId });
    this.people.seed(profile.user_id, { username: profile.username, avatar_url: profile.avatar_url });
    this.setProfile(profile);
  }

  /** The picture of a chat: a DM's is its peer's, a group's is its own (as last told by the server). */
  chatAvatarUrl(chat: ChatItem): string | undefined {
    if (chat.kind === 'dm') return chat.peer_user_id ? this.people.get(chat.peer_user_id)?.avatar_url : undefined;
    return this.groups.avatarUrl(chat.chat_id);
  }

  /** The profile changed (a phone or e-mail was added). */
  setProfile(profile: MyProfile): void {
    this.me = profile;
    this.changed();
  }

  get loaded(): boolean {
    return this.chatsLoaded;
  }

  get openChatId(): string | null {
    return this.openChat;
  }

  chat(chatId: string): ChatItem | undefined {
    return this.chatsById.get(chatId);
  }

  /** Most recent activity first. */
  chats(): ChatItem[] {
    return [...this.chatsById.values()].sort(
      (a, b) => activity(b) - activity(a) || a.serverOrder - b.serverOrder || a.title.localeCompare(b.title),
    );
  }

  unread(chat: ChatItem): number {
    return unreadCount(chat);
  }

  /** A message mentioning the user is unread in the chat (the list's "@"). */
  mentioned(chat: ChatItem): boolean {
    return mentionUnread(chat);
  }

  isMuted(chat: ChatItem): boolean {
    return chat.muted_until > nowSeconds();
  }

  /** Unread messages in chats that are not muted: the tab title's count. */
  totalUnread(): number {
    let total = 0;
    for (const chat of this.chatsById.values()) if (!this.isMuted(chat)) total += this.unread(chat);
    return total;
  }

  /**
   * Whether a user is online, as far as this client can tell: unknown (undefined) while it is itself offline,
   * since the presence events it would need are not reaching it.
   */
  isOnline(userId: string): boolean | undefined {
    if (this.stateValue !== 'online') return undefined;
    return this.people.get(userId)?.online;
  }

  /** The chat's name: the public chat's title, or the DM peer's current username. */
  chatTitle(chat: ChatItem): string {
    if (chat.kind === 'dm' && chat.peer_user_id) return this.people.get(chat.peer_user_id)?.username || chat.title;
    return chat.title;
  }

  /** Messages to show in a conversation, oldest first: held ones, then acknowledged and pending sends. */
  shown(chatId: string): ShownMessage[] {
    const messages = this.client.messages(chatId);
    const heldIds = new Set(messages.map((m) => m.id));
    const heldClientIds = new Set(messages.flatMap((m) => m.client_msg_id ?? []));
    const shown: ShownMessage[] = messages.map((message) => ({ kind: 'message', message }));
    for (const [clientMsgId, ghost] of this.acked) {
      if (heldIds.has(ghost.message_id) || heldClientIds.has(clientMsgId)) this.acked.delete(clientMsgId);
      else if (ghost.entry.chat_id === chatId) shown.push({ kind: 'acked', ...ghost });
    }
    for (const entry of this.client.outbox(chatId)) {
      if (!heldClientIds.has(entry.client_msg_id)) shown.push({ kind: 'outbox', entry });
    }
    return shown;
  }

  // ── Actions ──────────────────────────────────────────────────────────────────────────────────────────

  /** Where the "N unread messages" line goes in the chat just opened: after this id. */
  get unreadMarker(): { chatId: string; afterId: number; count: number } | null {
    return this.marker;
  }

  setOpenChat(chatId: string | null): void {
    if (this.openChat === chatId) return;
    if (this.openChat) this.client.stopTyping(this.openChat);
    const chat = chatId ? this.chatsById.get(chatId) : undefined;
    const unread = chat ? this.unread(chat) : 0;
    this.marker = chat && unread > 0 ? { chatId: chat.chat_id, afterId: chat.readUpTo, count: unread } : null;
    this.openChat = chatId;
    this.markOpenChatRead();
    this.changed();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.markOpenChatRead();
  }

  /** Send the read receipt for the newest message of the open chat, when the user can see it. */
  markOpenChatRead(): void {
    const chatId = this.openChat;
    if (!chatId || !this.visible) return;
    const chat = this.chatsById.get(chatId);
    if (chat?.gone) return;
    const newest = Math.max(this.client.messages(chatId).at(-1)?.id ?? 0, chat?.last_message?.id ?? 0);
    if (newest <= 0) return;
    this.client.markRead(chatId, newest);
    this.readUpTo(chatId, newest);
  }

  /** Send a message (a reply, with mentions, when given); the chat's draft goes. */
  send(chatId: string, body: string, options: { replyTo?: number; mentions?: string[] } = {}): void {
    this.messages.send(chatId, body, options);
    this.drafts.delete(chatId);
    const chat = this.chatsById.get(chatId);
    if (chat) chat.touchedAt = nowSeconds();
    this.changed();
  }

  /** Send a photo, video, voice note or file: it uploads, then goes as a message (the outbox shows both). */
  sendMedia(chatId: string, file: Blob, options: MediaSendOptions): void {
    this.client.sendMedia(chatId, file, options);
    const chat = this.chatsById.get(chatId);
    if (chat) chat.touchedAt = nowSeconds();
    this.changed();
  }

  async mute(chatId: string, until: number): Promise<void> {
    await this.client.muteChat(chatId, until);
  }

  /** Open (creating if needed) the DM with a user; resolves with its chat id. */
  async openDm(userId: string): Promise<string> {
    const { chat_id } = await this.client.createDm(userId);
    await this.ensureChat(chat_id);
    return chat_id;
  }

  async createPublic(title: string): Promise<string> {
    const { chat_id } = await this.client.createPublicChat(title);
    await this.ensureChat(chat_id);
    return chat_id;
  }

  async join(chatId: string): Promise<void> {
    await this.client.joinChat(chatId);
    await this.ensureChat(chatId);
    // The server counts a newcomer's whole history as unread; to the person who just joined it is not news.
    const chat = this.chatsById.get(chatId);
    if (chat?.last_message) this.readUpTo(chatId, chat.last_message.id);
  }

  async leave(chatId: string): Promise<void> {
    const group = this.chatsById.get(chatId)?.kind === 'group';
    await this.client.leaveChat(chatId);
    if (group) {
      this.markGone(chatId, 'left', this.client.userId ?? '');
      return;
    }
    this.chatsById.delete(chatId);
    if (this.openChat === chatId) this.setOpenChat(null);
    this.changed();
  }

  /** A group the user is now in (again): in the list, no longer read-only; `readAll`: its history read. */
  async adopt(chatId: string, readAll: boolean): Promise<void> {
    this.back(chatId);
    await this.ensureChat(chatId);
    const chat = this.chatsById.get(chatId);
    if (readAll && chat?.last_message) this.readUpTo(chatId, chat.last_message.id);
  }

  /** The invite the page was opened with (#/invite/CODE), shown as a card once logged in. */
  get inviteCode(): string | null {
    return this.invite;
  }

  setInvite(code: string | null): void {
    if (this.invite === code) return;
    this.invite = code;
    this.changed();
  }

  /** Removed from a group, or left it: it stays in the list and open, read-only. */
  private markGone(chatId: string, reason: 'removed' | 'left', by: string): void {
    this.departures.mark(chatId, this.chatsById.get(chatId), reason, by);
    this.typing.clearChat(chatId);
    this.changed();
  }

  /** In the group again (added back, or joined by a link). */
  private back(chatId: string): void {
    if (this.departures.back(chatId, this.chatsById.get(chatId))) this.changed();
  }

  // ── Internals ────────────────────────────────────────────────────────────────────────────────────────

  private async ensureChat(chatId: string): Promise<void> {
    if (!this.chatsById.has(chatId)) await this.refreshChats();
    const chat = this.chatsById.get(chatId);
    if (chat && !chat.last_message) chat.touchedAt = nowSeconds();
    this.changed();
  }

  private readUpTo(chatId: string, messageId: number): void {
    const chat = this.chatsById.get(chatId);
    if (!chat || messageId <= chat.readUpTo) return;
    chat.readUpTo = messageId;
    for (const id of chat.localUnread) if (id <= messageId) chat.localUnread.delete(id);
    this.changed();
  }

  private onMessage(message: ChatMessage): void {
    const chat = this.chatsById.get(message.chat_id);
    if (!chat) {
      void this.refreshChats();
      return;
    }
    if (!chat.last_message || message.id > chat.last_message.id) chat.last_message = message;
    if (isSystem(message)) {
      this.onSystemMessage(chat, message);
      return;
    }
    const mine = message.sender_id === this.client.userId;
    if (!mine) this.typing.set(message.chat_id, message.sender_id, false);
    const inFront = this.openChat === message.chat_id && this.visible;
    if (mine) {
      if (this.openChat === message.chat_id) this.markOpenChatRead();
    } else if (inFront) {
      this.markOpenChatRead();
      this.emit('incoming', message);
    } else if (message.id > chat.readUpTo) {
      // Counted here only past what the server's count holds; notified whichever way it came first.
      if (message.id > chat.serverLastId) {
        chat.localUnread.add(message.id);
        if (this.mentionsMe(message)) chat.mentionedId = message.id;
      }
      this.notifyIfNews(chat, message);
    }
    this.changed();
  }

  private mentionsMe(message: Message): boolean {
    return message.mentions?.includes(this.client.userId ?? '') ?? false;
  }

  /** Sound and the hidden tab's notification, once per message of someone else not in front of the user. */
  private notifyIfNews(chat: ChatItem, message: ChatMessage): void {
    if (isSystem(message) || message.deleted || message.sender_id === this.client.userId || chat.gone) return;
    if (message.id <= chat.readUpTo || (this.openChat === chat.chat_id && this.visible)) return;
    if (!this.notified.take(chat.chat_id, message.id)) return;
    // A mention breaks the mute, as WhatsApp's (contract section 11).
    const muted = this.isMuted(chat) && !this.mentionsMe(message);
    this.emit('notify', { chat_id: chat.chat_id, message, muted, audible: !muted });
  }

  /** A message was edited, deleted or reacted to: the SDK holds it as it now stands; the list's last line too. */
  private onMessageUpdated(message: ChatMessage): void {
    this.messages.updated(message);
    const chat = this.chatsById.get(message.chat_id);
    if (chat && message.deleted) {
      // A deleted message is no longer unread, nor a mention, nor the list's last line (the server skips it):
      // when it was any of these, the server's list says what stands now.
      const unread = chat.localUnread.delete(message.id) || message.id > chat.readUpTo;
      if (chat.mentionedId === message.id) delete chat.mentionedId;
      if (unread || chat.last_message?.id === message.id) void this.refreshChats();
    } else if (chat?.last_message?.id === message.id) {
      chat.last_message = message;
    }
    this.changed();
  }

  /**
   * A change of the group, recorded in its sequence: never unread nor notified; read along with the chat when
   * it is open. The title it names is shown at once (the chat_updated event says it too).
   */
  private onSystemMessage(chat: ChatItem, message: ChatMessage): void {
    const facts = message.system;
    if (facts?.event === 'info_changed' && facts.title) chat.title = facts.title;
    if (this.openChat === chat.chat_id && this.visible) {
      this.markOpenChatRead();
      this.emit('incoming', message);
    }
    this.changed();
  }

  /**
   * Reload the chat list, a page at a time: each page is shown as it comes, and chats of pages still to come
   * stay as they were until the last one. Calls during a refresh make one more afterwards.
   */
  refreshChats(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          const summaries: ChatSummary[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < MAX_CHAT_PAGES; pages++) {
            const page = await this.client.chatsPage({ cursor, limit: LIMITS.chatsPageMax });
            summaries.push(...page.chats);
            const last = !page.next_cursor || page.next_cursor === cursor || pages === MAX_CHAT_PAGES - 1;
            this.merge(summaries, last);
            if (last) break;
            cursor = page.next_cursor ?? undefined;
          }
        } while (this.refreshAgain);
      } catch {
        // Offline: the next auth refreshes again.
      } finally {
        this.refreshing = undefined;
        this.chatsComplete = true;
        this.changed();
      }
    })();
    return this.refreshing;
  }

  private merge(summaries: ChatSummary[], complete: boolean): void {
    const old = this.chatsById;
    this.chatsById = mergeChats(old, summaries, complete);
    this.departures.keep(this.chatsById, old, this.openChat, complete);
    this.chatsComplete = complete;
    for (const summary of summaries) {
      if (summary.peer_user_id) this.people.seed(summary.peer_user_id, { username: summary.title });
    }
    this.chatsLoaded = true;
    if (this.openChat && !this.chatsById.has(this.openChat)) this.openChat = null;
    this.markOpenChatRead();
    // A message the list names before (or instead of) its live event: a new chat's first one, or one stored
    // just before the list was read.
    this.notified.listed(summaries, complete);
    for (const { chat_id, last_message } of summaries) {
      const chat = this.chatsById.get(chat_id);
      if (chat && last_message) this.notifyIfNews(chat, { ...last_message, chat_id });
    }
    this.changed();
  }

  private async loadMe(): Promise<void> {
    try {
      this.me = await this.client.me();
      this.people.seed(this.me.user_id, { username: this.me.username, avatar_url: this.me.avatar_url });
      this.changed();
    } catch {
      // Shown without a name until the next auth.
    }
  }
}

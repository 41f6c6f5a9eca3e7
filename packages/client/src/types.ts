import type { ErrorCode, MediaInfo, MediaMessageType, Message, ServerEventOf } from '@papo/protocol';

export type ConnectionState = 'connecting' | 'online' | 'offline';

/**
 * A own message's life, as WhatsApp's ticks show it: queued → `sent` (stored: ✓) → `delivered` (every other
 * member's device has it: grey ✓✓) → `read` (every other member read it: blue ✓✓); `failed` when refused.
 * Public chats stop at `sent`.
 */
export type MessageState = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/** A message as the client holds it: the server's message, its chat, and (for own messages) its state. */
export type ChatMessage = Message & { chat_id: string; state?: MessageState };

/**
 * A media message's bytes on their way: uploaded first (`POST /api/media`), then sent by `media_id`. What is
 * known of the bytes before the server read them (`mime`, `size`, the app's `width`/`height`/`duration_ms`)
 * lets the app draw the bubble at once.
 */
export type OutboxMedia = {
  type: MediaMessageType;
  mime: string;
  size: number;
  /** A file's name (`type: 'file'` uploads with it). */
  name?: string;
  width?: number;
  height?: number;
  duration_ms?: number;
  /** The upload's answer, once the bytes are on the server: the message is then sent with its `media_id`. */
  uploaded?: MediaInfo;
  /** Bytes sent so far while uploading (this page only). */
  sent?: number;
  /** An object URL of the bytes, to show them before (and after) they are uploaded (this page only). */
  local_url?: string;
};

/** Keeps an upload's bytes across reloads (IndexedDB in browsers); without one they last as long as the page. */
export type BlobStore = {
  put(key: string, blob: Blob): Promise<void>;
  get(key: string): Promise<Blob | undefined>;
  delete(key: string): Promise<void>;
  /** Every key held: lets the SDK drop bytes no outbox entry refers to any more (a tab closed mid-send). */
  keys?(): Promise<string[]>;
};

/** A message the user sent that the server has not acknowledged yet (kept across reconnects and reloads). */
export type OutboxEntry = {
  chat_id: string;
  client_msg_id: string;
  /** The text ('' for a forward: the server copies the source's); a media message's caption. */
  body: string;
  /** A photo, video, voice note or file, uploaded before the message is sent. */
  media?: OutboxMedia;
  /** The id of the message it answers (contract section 11). */
  reply_to?: number;
  /** Users it mentions. */
  mentions?: string[];
  /** A forward of this message (of a chat the user can read). */
  forward_of?: { chat_id: string; message_id: number };
  /** Local time it was typed (ms), for display while pending. */
  created_at_ms: number;
  state: 'pending' | 'failed';
  error?: { code: ErrorCode; message: string };
};

/**
 * A logged-in session as the SDK keeps it: the access token, and (from servers with sessions) the refresh
 * token and when each runs out (Unix ms).
 */
export type Session = {
  token: string;
  user_id: string;
  refresh_token?: string;
  expires_at?: number;
  refresh_expires_at?: number;
};

/** localStorage, sessionStorage, or anything with the same three methods. */
export type KeyValueStorage = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
};

/** The WebSocket constructor: the browser's, or the `ws` package's in Node. */
export type WebSocketLike = {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
};
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type PapoClientOptions = {
  /** The server's base URL, e.g. `http://localhost:8080` (the WebSocket is `<base>/ws`, ws: or wss:). */
  baseUrl: string;
  /** Default: `globalThis.WebSocket` (browsers, Node 22+). In Node 20 pass `ws`'s WebSocket. */
  WebSocket?: WebSocketConstructor;
  /** Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Keeps the session and the outbox across reloads (e.g. `localStorage`). Default: memory only. */
  storage?: KeyValueStorage;
  /** Prefix of the storage keys (several accounts or servers in one browser). Default `papo`. */
  storageKey?: string;
  /** Reconnect backoff: full jitter, capped (defaults 500 ms and 15 s). */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Typing helper: `true` at most this often while typing (2 s), `false` after this idle time (3 s). */
  typingThrottleMs?: number;
  typingIdleMs?: number;
  /** Keeps the bytes of media messages not yet uploaded across reloads. Default: none (they last the page's life). */
  blobStore?: BlobStore;
};

/** The SDK's events: `on(name, listener)` returns a function that unsubscribes. */
export type ClientEvents = {
  /** The connection state changed. */
  state: ConnectionState;
  /** Authenticated (first connect and every reconnect). */
  auth: ServerEventOf<'auth_ok'>;
  /** A message, each exactly once and in id order per chat, after gaps are filled. */
  message: ChatMessage;
  /**
   * A message was edited, deleted or reacted to (or the quote of a reply was cleared): the message as it now
   * stands. The chat's held copy (`messages(chatId)`) is replaced already.
   */
  message_updated: ChatMessage;
  /**
   * The server no longer has the chat's changes since this client last caught up (`changes_reset`): the held
   * messages were read again; show them afresh from `messages(chatId)`.
   */
  chat_reset: { chat_id: string };
  /** A own message's state changed (pending → sent → read, or failed). */
  message_state: { chat_id: string; client_msg_id?: string; message_id?: number; state: MessageState };
  /** The outbox changed (an entry added, acknowledged, failed or retried). */
  outbox: OutboxEntry[];
  /** A media message's upload went on (its entry's `media.sent` is updated already). */
  upload_progress: { chat_id: string; client_msg_id: string; sent: number; total: number };
  read_receipt: ServerEventOf<'read_receipt'>;
  delivered_receipt: ServerEventOf<'delivered_receipt'>;
  /** A chat's lowest received or read mark rose: own messages up to them are delivered or read. */
  receipts: { chat_id: string; received_id: number; read_id: number };
  typing: ServerEventOf<'typing'>;
  presence: ServerEventOf<'presence'>;
  /** The user's chat list changed: a DM or public chat appeared, was joined, left or (un)muted. */
  chats_changed: {
    chat_id: string;
    reason:
      | 'dm_ready'
      | 'chat_created'
      | 'chat_added'
      | 'chat_removed'
      | 'chat_updated'
      | 'joined'
      | 'left'
      | 'chat_muted';
  };
  /** The user was added to a group (by someone else): it is in their chat list now. */
  chat_added: ServerEventOf<'chat_added'>;
  /** The user was removed from a group: no further event of it comes; what was loaded stays, read-only. */
  chat_removed: ServerEventOf<'chat_removed'>;
  /** A member's role changed in a group. */
  chat_member_role: ServerEventOf<'chat_member_role'>;
  /** A chat's title or description changed. */
  chat_updated: ServerEventOf<'chat_updated'>;
  /** This user blocked or unblocked someone, on this device or another. */
  blocks_changed: ServerEventOf<'blocks_changed'>;
  chat_member_added: ServerEventOf<'chat_member_added'>;
  chat_member_removed: ServerEventOf<'chat_member_removed'>;
  chat_muted: ServerEventOf<'chat_muted'>;
  dm_ready: ServerEventOf<'dm_ready'>;
  /** The session ended (expired, logged out elsewhere, or refused): log in again. */
  session_expired: undefined;
  /** The session's token was renewed (the SDK refreshes it by itself before it runs out). */
  session_renewed: Session;
  /** An error frame that answers no request of the SDK's. */
  error: ServerEventOf<'error'>;
};

/**
 * Limits and timings fixed by the contract. Servers may make the configurable ones stricter or looser
 * through their own settings; these are the defaults every party can rely on.
 */
export const LIMITS = {
  /** Largest frame a server accepts by default; larger closes the socket with 1009. */
  maxFrameBytes: 64 * 1024,
  /** Message bodies, in UTF-16 code units (JavaScript string length). */
  bodyMaxLength: 4096,
  /**
   * Message bodies as stored: the bytes of the body's JSON string (UTF-8, quotes and escapes included). Any
   * well-formed text of bodyMaxLength characters fits (at most 3 bytes each); escapes (6 bytes for a control
   * character) can pass it.
   */
  bodyMaxBytes: 16 * 1024,
  /** A page of history (`sync`, GET …/messages) stops once its messages' JSON passes this (at least one). */
  pageMaxBytes: 256 * 1024,
  /** Chats per page of GET /api/chats and GET /api/chats/public. */
  chatsPageDefault: 100,
  chatsPageMax: 200,
  /**
   * GET /api/contacts reads the members of the caller's chats of at most this many members, the smallest chats
   * first, until it has read contactsMembersBudget memberships: a request's work is bounded whatever chats the
   * caller is in. Members of bigger chats (a large public chat) are not contacts.
   */
  contactsChatMaxMembers: 256,
  contactsMembersBudget: 10_000,
  chatTitleMaxLength: 64,
  /** A group's (or public chat's) description. */
  chatDescriptionMaxLength: 512,
  /** User ids one `create_group` or `add_members` takes at most. */
  groupAddMax: 255,
  /** A group's members by default (MAX_GROUP_MEMBERS). */
  groupMembersDefault: 1024,
  /** Live invite codes a group holds at most; revoke one (or let it expire) to make another. */
  invitesPerGroupMax: 20,
  /** Uses an invite allows at most (`max_uses`). */
  inviteMaxUses: 10_000,
  /** Users one user may block at most. */
  blocksMax: 1000,
  /** Users one message mentions at most (`mentions`). */
  mentionsMax: 50,
  /** Characters of the quoted body a reply keeps (`reply_to.preview`). */
  replyPreviewMaxLength: 100,
  /** A reaction: one emoji grapheme, at most this many bytes in UTF-8. */
  reactionMaxBytes: 32,
  /** Chats one message is forwarded to at once (the web client's limit, as WhatsApp's). */
  forwardMaxChats: 5,
  /**
   * Per-user receipt events (`read_receipt`, `delivered_receipt`) go out in DMs and groups of at most this many
   * members (RECEIPTS_FANOUT_MAX_MEMBERS); above it only `chat_receipts`.
   */
  receiptsFanoutMaxMembers: 32,
  /** Changes (`change_id`) a chat keeps for `sync` with `after_change_id` (CHANGES_KEEP). */
  changesKeep: 1000,
  /** Message info (who received and read a message, when) is kept for this many of a chat's last messages. */
  receiptTimesMessages: 1000,
  /** Uploads (contract section 12): photos, videos and voice (MAX_UPLOAD_BYTES), files (MAX_FILE_BYTES). */
  uploadMaxBytes: 16 * 1024 * 1024,
  fileMaxBytes: 100 * 1024 * 1024,
  /** A file's name (`?name=`), in UTF-16 units. */
  mediaNameMaxLength: 255,
  /** `media.thumbnail`, the inline preview (a data: URL), in characters. */
  mediaInlineThumbnailMaxLength: 2048,
  /** Media ids one `POST /api/media/links` takes at most. */
  mediaLinksMax: 100,
  /** Chats one upload may be sent (or forwarded) to; past it a forward of it is refused. */
  mediaChatsMax: 256,
  /** A push subscription's endpoint URL. */
  pushEndpointMaxLength: 2048,
  /** Push subscriptions (devices) one user keeps at most; a new one past it replaces the oldest. */
  pushSubscriptionsMax: 20,
  usernameMaxLength: 32,
  /** The “about” line under a name (WhatsApp's is 139 characters). */
  aboutMaxLength: 139,
  avatarUrlMaxLength: 512,
  clientMsgIdMaxLength: 64,
  requestIdMaxLength: 128,
  idMaxLength: 64,
  tokenMaxLength: 256,
  syncLimitMax: 200,
  syncLimitDefault: 100,
  historyLimitDefault: 20,
  historyLimitMax: 100,
} as const;

export const TIMINGS = {
  /** Lifetime of an access token (`token`); a client refreshes it with its refresh token before it runs out. */
  tokenTtlSeconds: 3600,
  /** A session (its refresh token) lasts this long after its last use: 30 days. */
  sessionTtlSeconds: 30 * 24 * 3600,
  /** A connection that has not authenticated by then is closed with 4001. */
  authTimeoutMs: 10_000,
  /** `typing:{chat_id}:{user_id}` expires after this; clients hide "typing…" after it too. */
  typingTtlSeconds: 5,
  /**
   * A `typing: true` repeated within this of the last one the members were told of is not told again (the
   * server's throttle; the SDK sends one at most this often while the user types).
   */
  typingRepeatMs: 2000,
  /** Login codes: valid this long after they were last sent; wrong tries allowed per challenge. */
  loginCodeTtlSeconds: 300,
  loginCodeTries: 5,
  /** Idempotency window of `client_msg_id`. */
  idempotencyWindowSeconds: 24 * 3600,
  /** Own messages can be edited this long after they were sent (EDIT_WINDOW_S). */
  editWindowSeconds: 900,
  /** Own messages can be deleted for everyone this long after they were sent (DELETE_WINDOW_S): 2 days. */
  deleteWindowSeconds: 2 * 24 * 3600,
  /** The SDK sends `received` (and `read_receipt`) for one chat at most this often. */
  receiptCoalesceMs: 1000,
  /** An invite's lifetime when `expires_in_s` is omitted (7 days), and the longest allowed (30 days). */
  inviteTtlDefaultSeconds: 7 * 24 * 3600,
  inviteTtlMaxSeconds: 30 * 24 * 3600,
  /** A signed media link (`media.url`) works this long. */
  mediaLinkTtlSeconds: 3600,
  /** An upload may be sent this long after it was made; unsent, it is deleted then. */
  mediaSendWindowSeconds: 24 * 3600,
  /** A user whose server process died is offline within this. */
  presenceStaleSeconds: 60,
} as const;

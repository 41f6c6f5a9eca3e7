import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ChatId, Message, Role, UnixSeconds, UserId, UserProfile } from './common.js';
import { ERROR_CODE_LIST } from './errors.js';
import { ChatKind, InviteCode } from './groups.js';
import { LIMITS } from './limits.js';
import {
  Email,
  LinkVerifyBody,
  LoginAnswer,
  LoginBody,
  LoginCodeAnswer,
  LoginCodeBody,
  LoginVerifyBody,
  MyProfile,
  Phone,
  ProfileUpdateBody,
  RefreshAnswer,
  RefreshBody,
  SessionInfo,
} from './login.js';
import { MediaInfo, MediaLinksAnswer, MediaLinksBody, MediaUploadQuery } from './media.js';
import { PushKeyAnswer, PushSubscriptionBody, PushUnsubscribeBody } from './push.js';

export const UserDetails = Type.Object({
  user_id: UserId,
  username: Type.String(),
  avatar_url: Type.String(),
  online: Type.Boolean({ description: 'false for a user who blocked the caller or whom the caller blocked.' }),
  last_seen: Type.Union([UnixSeconds, Type.Null()], {
    description: 'null when the user was never online, or between a user and someone they blocked.',
  }),
});

export const ChatSummary = Type.Object({
  chat_id: ChatId,
  kind: ChatKind,
  title: Type.String({ description: 'The public chat’s or group’s title; for a DM, the peer’s username.' }),
  role: Type.Optional(Role),
  peer_user_id: Type.Optional(UserId),
  last_message: Type.Optional(Message),
  member_count: Type.Optional(
    Type.Integer({ minimum: 0, description: 'For a public chat or a group: how many members it has. (extension)' }),
  ),
  unread_count: Type.Integer({ minimum: 0 }),
  muted_until: UnixSeconds,
  received_id: Type.Integer({
    minimum: 0,
    description:
      'DMs and groups: every member has received the messages up to this (the chat’s lowest mark); 0 in public chats.',
  }),
  read_id: Type.Integer({
    minimum: 0,
    description:
      'DMs and groups: every member has read the messages up to this (the chat’s lowest mark); 0 in public chats.',
  }),
  change_id: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'The chat’s last change id (edits, deletes, reactions): where `sync`’s `after_change_id` starts. (extension)',
    }),
  ),
  mentioned_id: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'The newest message that mentions the caller, when it is unread (the chat list’s “@”). (extension)',
    }),
  ),
  avatar_url: Type.Optional(
    Type.String({
      description:
        'A group’s or public chat’s picture (`/api/media/:id`, served to anyone), when it has one; a DM shows the peer’s. (section 12)',
    }),
  ),
});
export const PublicChatSummary = Type.Object({
  chat_id: ChatId,
  title: Type.String(),
  member_count: Type.Integer({ minimum: 0 }),
});

export const ChatMember = Type.Object({
  user_id: UserId,
  role: Role,
  username: Type.String({ description: '(extension)' }),
  avatar_url: Type.Union([Type.String(), Type.Null()], { description: 'null when the user set none. (extension)' }),
  online: Type.Boolean({
    description: 'false for a user who blocked the caller or whom the caller blocked. (extension)',
  }),
  last_seen: Type.Union([UnixSeconds, Type.Null()], {
    description: 'null when never online, or between a user and someone they blocked. (extension)',
  }),
});
export const ChatInfo = Type.Object({
  chat_id: ChatId,
  kind: ChatKind,
  title: Type.String({ description: 'For a DM, empty: the peer’s name is the title.' }),
  description: Type.String(),
  avatar_url: Type.Union([Type.String(), Type.Null()], { description: 'null until the chat has a picture.' }),
  created_by: UserId,
  created_at: UnixSeconds,
  member_count: Type.Integer({ minimum: 0 }),
  role: Type.Optional(Role),
  members: Type.Optional(
    Type.Array(ChatMember, { description: 'Groups and DMs: every member with their role, owner first, then admins.' }),
  ),
});
export const InvitePreview = Type.Object({
  chat_id: ChatId,
  title: Type.String(),
  description: Type.String(),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
  member_count: Type.Integer({ minimum: 0 }),
});
export const InviteInfo = Type.Object({
  code: InviteCode,
  created_by: UserId,
  created_at: UnixSeconds,
  expires_at: UnixSeconds,
  uses: Type.Integer({ minimum: 0 }),
  max_uses: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'null: no limit.' }),
  joined: Type.Array(UserId, { description: 'Members who joined through it (and are still members).' }),
});
export const BlockBody = Type.Object({ user_id: UserId }, { additionalProperties: false });

const pageLimit = Type.Optional(
  Type.Integer({ minimum: 1, maximum: LIMITS.chatsPageMax, default: LIMITS.chatsPageDefault }),
);
export const ChatsQuery = Type.Object({
  cursor: Type.Optional(
    Type.String({
      maxLength: LIMITS.idMaxLength,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'The `next_cursor` of the previous page; omitted for the first. Opaque.',
    }),
  ),
  limit: pageLimit,
});
export const PublicChatsQuery = Type.Object({
  cursor: Type.Optional(
    Type.String({
      maxLength: LIMITS.idMaxLength + 20,
      pattern: '^[0-9]{1,16}\\.[A-Za-z0-9_-]+$',
      description: 'The `next_cursor` of the previous page; omitted for the first. Opaque.',
    }),
  ),
  limit: pageLimit,
});
export const Contact = Type.Object({
  user_id: UserId,
  username: Type.String(),
  avatar_url: Type.Union([Type.String(), Type.Null()], { description: 'null when the user set none.' }),
  about: Type.Union([Type.String(), Type.Null()], {
    description: 'The user’s “about” line (PATCH /api/me); null when they wrote none.',
  }),
  online: Type.Boolean({ description: 'false for a user who blocked the caller or whom the caller blocked.' }),
  last_seen: Type.Union([UnixSeconds, Type.Null()], {
    description: 'null when the user was never online, or between a user and someone they blocked.',
  }),
});
/** Contacts page by user id as chats do by chat id: the same cursor and limit. */
export const ContactsQuery = ChatsQuery;
/** GET /api/users/lookup: exactly one of a phone (E.164) or an e-mail, matched exactly (e-mail case aside). */
export const UserLookupQuery = Type.Union([
  Type.Object({ phone: Phone }, { additionalProperties: false }),
  Type.Object({ email: Email }, { additionalProperties: false }),
]);
const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` for the next page; null on the last page. (extension)',
});

export const HistoryQuery = Type.Object({
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: LIMITS.historyLimitMax, default: LIMITS.historyLimitDefault }),
  ),
});

export const ReceiptEntry = Type.Object({
  user_id: UserId,
  at: UnixSeconds,
});
export const MessageReceipts = Type.Object({
  read: Type.Array(ReceiptEntry, { description: 'Members who read it, with the second their read mark reached it.' }),
  delivered: Type.Array(ReceiptEntry, {
    description: 'Members whose devices have it but who have not read it, with the second it reached them.',
  }),
  pending: Type.Array(UserId, { description: 'Members whose devices do not have it yet.' }),
});

export const HttpError = Type.Object({
  error: Type.Union(ERROR_CODE_LIST.map((code) => Type.Literal(code))),
  message: Type.String(),
  retry_after: Type.Optional(Type.Integer()),
});

type Route = {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  auth: boolean;
  description: string;
  body?: TSchema;
  query?: TSchema;
  answer: TSchema;
  status: number;
};

/** Every HTTP route, for the server's validation and the generated reference. */
export const HTTP_ROUTES = {
  health: {
    method: 'GET',
    path: '/healthz',
    auth: false,
    status: 200,
    description:
      "200 when Redis answers and the answering worker's link to it works (its command connection is ready and " +
      'its presence heartbeat succeeds), with Redis’s memory use; else 503.',
    answer: Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
      error: Type.Optional(Type.Literal('internal', { description: 'With 503.' })),
      message: Type.Optional(
        Type.String({ description: 'With 503: why (Redis does not answer, or what is down and for how long).' }),
      ),
      redis_memory: Type.Optional(
        Type.Object(
          {
            used_bytes: Type.Integer({ description: 'Redis `used_memory` (on a cluster, its fullest master).' }),
            maxmemory_bytes: Type.Integer({ description: 'Redis `maxmemory`; 0 is no limit.' }),
            warning: Type.Optional(
              Type.String({ description: 'Past 90% of maxmemory: at 100% writes fail with `internal`.' }),
            ),
          },
          { description: 'With 200, read at most every 5 s.' },
        ),
      ),
    }),
  },
  login: {
    method: 'POST',
    path: '/api/login',
    auth: false,
    status: 200,
    description: 'A temporary account: each call makes a new user (the username is a display name).',
    body: LoginBody,
    answer: LoginAnswer,
  },
  loginCode: {
    method: 'POST',
    path: '/api/login/code',
    auth: false,
    status: 202,
    description:
      'Send a 6-digit code (valid 5 min) to a phone or e-mail through the configured sender. While a code is pending for the address, the same code is sent again rather than replaced. The answer is the same whether a code was pending or not; its `challenge_id` gives the verification 5 tries of its own.',
    body: LoginCodeBody,
    answer: LoginCodeAnswer,
  },
  loginVerify: {
    method: 'POST',
    path: '/api/login/verify',
    auth: false,
    status: 200,
    description:
      'Exchange the code for a session; the same phone or e-mail is always the same user. Wrong codes are counted per challenge (5) and per address per day (LOGIN_CODE_FAILURES_PER_DAY; past it, 429 until the day is over).',
    body: LoginVerifyBody,
    answer: LoginAnswer,
  },
  tokenRefresh: {
    method: 'POST',
    path: '/api/token/refresh',
    auth: false,
    status: 200,
    description:
      'A new token for the session, and a new refresh token in place of the one given. A refresh token already rotated ends the session (401): it was copied. (extension)',
    body: RefreshBody,
    answer: RefreshAnswer,
  },
  logout: {
    method: 'POST',
    path: '/api/logout',
    auth: true,
    status: 204,
    description:
      'Ends the caller’s session: its tokens stop working and its open connections are closed with 4001. (extension)',
    answer: Type.Null({ description: 'No body.' }),
  },
  sessions: {
    method: 'GET',
    path: '/api/sessions',
    auth: true,
    status: 200,
    description: 'The caller’s sessions (devices logged in), the most recently used first. (extension)',
    answer: Type.Object({ sessions: Type.Array(SessionInfo) }),
  },
  endSession: {
    method: 'DELETE',
    path: '/api/sessions/:session_id',
    auth: true,
    status: 204,
    description: 'Ends one of the caller’s sessions (404 when it is not theirs). (extension)',
    answer: Type.Null({ description: 'No body.' }),
  },
  endOtherSessions: {
    method: 'DELETE',
    path: '/api/sessions',
    auth: true,
    status: 200,
    description: '“Log out other devices”: ends every session of the caller but the one asking. (extension)',
    answer: Type.Object({ ended: Type.Integer({ minimum: 0 }) }),
  },
  linkCode: {
    method: 'POST',
    path: '/api/me/login/code',
    auth: true,
    status: 202,
    description:
      'Send a code to a phone or e-mail to tie the caller’s account to it, so a temporary account can log in again anywhere (same rules as `/api/login/code`). (extension)',
    body: LoginCodeBody,
    answer: LoginCodeAnswer,
  },
  linkVerify: {
    method: 'POST',
    path: '/api/me/login/verify',
    auth: true,
    status: 200,
    description:
      'Ties the caller’s account to the phone or e-mail the code was sent to; from then on logging in with it is this account. 403 when it belongs to another account, or the account already has one of that kind. (extension)',
    body: LinkVerifyBody,
    answer: MyProfile,
  },
  me: {
    method: 'GET',
    path: '/api/me',
    auth: true,
    status: 200,
    description: 'The caller’s profile, and how the account logs in.',
    answer: MyProfile,
  },
  updateMe: {
    method: 'PATCH',
    path: '/api/me',
    auth: true,
    status: 200,
    description:
      'Changes the caller’s name and “about” line (contract section 12’s `avatar_media_id` comes with media); answers the profile as it now is.',
    body: ProfileUpdateBody,
    answer: MyProfile,
  },
  usersOnline: {
    method: 'GET',
    path: '/api/users/online',
    auth: true,
    status: 200,
    description: 'Everyone online now.',
    answer: Type.Object({ users: Type.Array(UserProfile) }),
  },
  userLookup: {
    method: 'GET',
    path: '/api/users/lookup',
    auth: true,
    status: 200,
    description:
      'The profile of whoever logs in with exactly this phone (`?phone=+5511912345678`) or e-mail (`?email=`); 404 when nobody does. No partial match and no listing; each lookup, found or not, counts against the caller’s USER_LOOKUPS_PER_HOUR (429 past it).',
    answer: Contact,
  },
  user: {
    method: 'GET',
    path: '/api/users/:user_id',
    auth: true,
    status: 200,
    description: 'A user’s profile and presence.',
    answer: UserDetails,
  },
  chats: {
    method: 'GET',
    path: '/api/chats',
    auth: true,
    status: 200,
    description:
      'The caller’s chats, a page at a time (`limit`, default 100, max 200; then `cursor`): pages follow the chats’ ids, ' +
      'and each page lists its chats the most recently active first, so a client sorts the chats it holds. A walk ' +
      'from the first page to `next_cursor: null` lists every chat the user was in throughout it once.',
    query: ChatsQuery,
    answer: Type.Object({ chats: Type.Array(ChatSummary), next_cursor: NextCursor }),
  },
  publicChats: {
    method: 'GET',
    path: '/api/chats/public',
    auth: true,
    status: 200,
    description:
      'The public chats, the most recently created first, a page at a time (`limit`, default 100, max 200; then ' +
      '`cursor`). Chats created during a walk come before its cursor: a walk lists every older chat once.',
    query: PublicChatsQuery,
    answer: Type.Object({ chats: Type.Array(PublicChatSummary), next_cursor: NextCursor }),
  },
  contacts: {
    method: 'GET',
    path: '/api/contacts',
    auth: true,
    status: 200,
    description:
      'The people who share a chat with the caller (not the caller), a page at a time (`limit`, default 100, max ' +
      '200; then `cursor`): pages follow the users’ ids, and each page lists its users online first, then by ' +
      'name, so a client sorts the users it holds. A walk from the first page to `next_cursor: null` lists each ' +
      'person who shared a chat with the caller throughout it once. Bounded work whatever the caller’s chats: ' +
      `only chats of at most ${LIMITS.contactsChatMaxMembers} members count (LIMITS.contactsChatMaxMembers), the ` +
      `smallest first, up to ${LIMITS.contactsMembersBudget} memberships read per request ` +
      '(LIMITS.contactsMembersBudget); members of bigger chats, or of chats past that budget, are not listed.',
    query: ContactsQuery,
    answer: Type.Object({ users: Type.Array(Contact), next_cursor: NextCursor }),
  },
  chatInfo: {
    method: 'GET',
    path: '/api/chats/:chat_id',
    auth: true,
    status: 200,
    description:
      'A chat’s info for one of its members (404 for anyone else, and for a DM one is not in): kind, title, description, picture, who made it and when, its member count; for groups and DMs its members with their roles (owner first, then admins, then by name).',
    answer: ChatInfo,
  },
  chatInvites: {
    method: 'GET',
    path: '/api/chats/:chat_id/invites',
    auth: true,
    status: 200,
    description:
      'A group’s live invite codes with their uses and who joined through each (admins and the owner; 403 for other members). (extension)',
    answer: Type.Object({ invites: Type.Array(InviteInfo) }),
  },
  invite: {
    method: 'GET',
    path: '/api/invites/:code',
    auth: true,
    status: 200,
    description: 'What a live invite code leads to, for its preview card; an expired, revoked or used-up code is 404.',
    answer: InvitePreview,
  },
  blocks: {
    method: 'GET',
    path: '/api/blocks',
    auth: true,
    status: 200,
    description: `The users the caller blocked (at most ${LIMITS.blocksMax}, LIMITS.blocksMax), by user id; an account deleted since is left out.`,
    answer: Type.Object({ users: Type.Array(UserProfile) }),
  },
  block: {
    method: 'POST',
    path: '/api/blocks',
    auth: true,
    status: 204,
    description:
      'Block a user: they cannot open a DM with the caller or send in an existing one (`forbidden`), nor can the caller until they unblock (as WhatsApp), and neither sees the other’s presence, typing or last seen (`online: false`, `last_seen: null` in the HTTP reads). In a group both still see each other’s messages. Blocking twice is no error; oneself is 400, an unknown user 404, one more past LIMITS.blocksMax 403. Blocks and unblocks count against the caller’s BLOCKS_PER_HOUR (429 past it).',
    body: BlockBody,
    answer: Type.Null({ description: 'No body.' }),
  },
  unblock: {
    method: 'DELETE',
    path: '/api/blocks/:user_id',
    auth: true,
    status: 204,
    description: 'Unblock a user (no error when they were not blocked); counts against BLOCKS_PER_HOUR.',
    answer: Type.Null({ description: 'No body.' }),
  },
  chatMessages: {
    method: 'GET',
    path: '/api/chats/:chat_id/messages',
    auth: true,
    status: 200,
    description:
      'History: at most `limit` (default 20, max 100) messages with id < `before`, oldest first; fewer when their ' +
      'JSON passes 256 KiB (`more` then says older ones remain).',
    query: HistoryQuery,
    answer: Type.Object({
      messages: Type.Array(Message),
      more: Type.Optional(
        Type.Literal(true, {
          description:
            'Present when older messages than these are still kept: the page stopped at `limit` or at its byte cap (LIMITS.pageMaxBytes). (extension)',
        }),
      ),
    }),
  },
  messageReceipts: {
    method: 'GET',
    path: '/api/chats/:chat_id/messages/:message_id/receipts',
    auth: true,
    status: 200,
    description:
      'Message info: who of the members (the sender and those who joined after it aside) read and received a message ' +
      'of a DM or group, and when; for its sender or a group admin/owner, else 404. Times are kept for the chat’s last ' +
      '1,000 messages (`at` is then the second the member’s mark was seen past it). Costs one page of the read budget.',
    answer: MessageReceipts,
  },
  uploadMedia: {
    method: 'POST',
    path: '/api/media',
    auth: true,
    status: 201,
    description:
      'Upload a photo, video, audio or voice note (the raw bytes as the body, with their `Content-Type`; at most ' +
      'MAX_UPLOAD_BYTES, 16 MiB, else 413), or any file with `?name=` (at most MAX_FILE_BYTES, 100 MiB). The type is ' +
      'read from the bytes: a declared type that disagrees is 400, a type that is no media without `?name=` is 400. ' +
      'Images are re-encoded without metadata (EXIF, GPS) and get a thumbnail. Counts against the caller’s ' +
      'MEDIA_UPLOADS_PER_HOUR (429 past it). The upload may be sent (by its uploader) for 24 h, then it is deleted.',
    query: MediaUploadQuery,
    answer: MediaInfo,
  },
  media: {
    method: 'GET',
    path: '/api/media/:media_id',
    auth: true,
    status: 200,
    description:
      'The bytes (with `Range`: 206), for its uploader and the members of a chat it was sent to (anyone else: 404); ' +
      'Bearer, or a signed link (`?exp=&sig=`, `media.url`) instead. `ETag`, `Cache-Control: private`; files come ' +
      'as attachments, images, video and audio inline, always with `X-Content-Type-Options: nosniff`.',
    answer: Type.String({ contentMediaType: 'application/octet-stream', description: 'The bytes, as stored.' }),
  },
  mediaThumbnail: {
    method: 'GET',
    path: '/api/media/:media_id/thumbnail',
    auth: true,
    status: 200,
    description:
      'A JPEG of at most 320 px a side, for images and videos with a poster (404 when there is none); as above.',
    answer: Type.String({ contentMediaType: 'image/jpeg', description: 'The thumbnail’s bytes.' }),
  },
  mediaLinks: {
    method: 'POST',
    path: '/api/media/links',
    auth: true,
    status: 200,
    description:
      'Signed links for `<img>`, `<video>` and `<audio>`, which send no Bearer: one per media the caller may get now, ' +
      'valid 1 h and for the caller only (a link stops working once they leave the chats it was sent to). (extension)',
    body: MediaLinksBody,
    answer: MediaLinksAnswer,
  },
  pushKey: {
    method: 'GET',
    path: '/api/push/key',
    auth: false,
    status: 200,
    description:
      'The server’s VAPID public key, for `pushManager.subscribe({ applicationServerKey })` (section 13): from VAPID_PUBLIC_KEY, or made once and kept in Redis, the same on every instance.',
    answer: PushKeyAnswer,
  },
  pushSubscribe: {
    method: 'POST',
    path: '/api/push/subscriptions',
    auth: true,
    status: 204,
    description:
      'Keep this device’s push subscription (the same endpoint again replaces its keys). The endpoint must be `https` on a public address (400 otherwise, unless PUSH_ALLOW_INSECURE_ENDPOINTS=1); a user keeps at most 20, a new one past that replaces the least recently subscribed.',
    body: PushSubscriptionBody,
    answer: Type.Null({ description: 'No body.' }),
  },
  pushUnsubscribe: {
    method: 'DELETE',
    path: '/api/push/subscriptions',
    auth: true,
    status: 204,
    description: 'Forget this device’s subscription (no error when it was not kept).',
    body: PushUnsubscribeBody,
    answer: Type.Null({ description: 'No body.' }),
  },
} satisfies Record<string, Route>;

export type MessageReceipts = Static<typeof MessageReceipts>;
export type UserDetails = Static<typeof UserDetails>;
export type ChatMember = Static<typeof ChatMember>;
export type ChatInfo = Static<typeof ChatInfo>;
export type InvitePreview = Static<typeof InvitePreview>;
export type InviteInfo = Static<typeof InviteInfo>;
export type ChatSummary = Static<typeof ChatSummary>;
export type PublicChatSummary = Static<typeof PublicChatSummary>;
export type ChatsPage = { chats: ChatSummary[]; next_cursor: string | null };
export type Contact = Static<typeof Contact>;
export type ContactsPage = { users: Contact[]; next_cursor: string | null };
export type PublicChatsPage = { chats: PublicChatSummary[]; next_cursor: string | null };

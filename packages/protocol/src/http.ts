import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { AvatarUrl, ChatId, Message, UnixSeconds, UserId, Username, UserProfile } from './common.js';
import { ERROR_CODE_LIST } from './errors.js';
import { LIMITS } from './limits.js';

/** E.164: a plus sign and 8 to 15 digits, the first not zero. */
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{7,14}$', description: 'E.164, e.g. +5511912345678' });
export const Email = Type.String({
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  description: 'An e-mail address.',
});

export const LoginBody = Type.Object({ username: Username, avatar_url: Type.Optional(AvatarUrl) });
export const LoginCodeBody = Type.Union([
  Type.Object({ phone: Phone }, { additionalProperties: false }),
  Type.Object({ email: Email }, { additionalProperties: false }),
]);
export const LoginVerifyBody = Type.Union([
  Type.Object({
    phone: Phone,
    code: Type.String({ pattern: '^[0-9]{6}$' }),
    username: Type.Optional(Username),
    avatar_url: Type.Optional(AvatarUrl),
  }),
  Type.Object({
    email: Email,
    code: Type.String({ pattern: '^[0-9]{6}$' }),
    username: Type.Optional(Username),
    avatar_url: Type.Optional(AvatarUrl),
  }),
]);
export type LoginBody = Static<typeof LoginBody>;
export type LoginCodeBody = Static<typeof LoginCodeBody>;
export type LoginVerifyBody = Static<typeof LoginVerifyBody>;

export const LoginAnswer = Type.Object({
  token: Type.String(),
  user_id: UserId,
  expires_in: Type.Integer({ description: 'Seconds: 3600.' }),
});
export const LoginCodeAnswer = Type.Object({
  sent: Type.Literal(true),
  dev_code: Type.Optional(Type.String({ description: 'Only outside production (NODE_ENV != production).' })),
});

export const UserDetails = Type.Object({
  user_id: UserId,
  username: Type.String(),
  avatar_url: Type.String(),
  online: Type.Boolean(),
  last_seen: Type.Union([UnixSeconds, Type.Null()], { description: 'null when the user was never online.' }),
});

export const ChatSummary = Type.Object({
  chat_id: ChatId,
  kind: Type.Union([Type.Literal('dm'), Type.Literal('public')]),
  title: Type.String({ description: 'The public chat’s title; for a DM, the peer’s username.' }),
  peer_user_id: Type.Optional(UserId),
  last_message: Type.Optional(Message),
  member_count: Type.Optional(
    Type.Integer({ minimum: 0, description: 'For a public chat: how many members it has. (extension)' }),
  ),
  unread_count: Type.Integer({ minimum: 0 }),
  muted_until: UnixSeconds,
  others_read_id: Type.Integer({
    minimum: 0,
    description: 'The highest message id another member has read: own messages up to it show as read. (extension)',
  }),
});
export const PublicChatSummary = Type.Object({
  chat_id: ChatId,
  title: Type.String(),
  member_count: Type.Integer({ minimum: 0 }),
});

export const HistoryQuery = Type.Object({
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: LIMITS.historyLimitMax, default: LIMITS.historyLimitDefault }),
  ),
});

export const HttpError = Type.Object({
  error: Type.Union(ERROR_CODE_LIST.map((code) => Type.Literal(code))),
  message: Type.String(),
  retry_after: Type.Optional(Type.Integer()),
});

type Route = {
  method: 'GET' | 'POST';
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
      'its presence heartbeat succeeds), else 503.',
    answer: Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
      error: Type.Optional(Type.Literal('internal', { description: 'With 503.' })),
      message: Type.Optional(
        Type.String({ description: 'With 503: why (Redis does not answer, or what is down and for how long).' }),
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
    description: 'Send a 6-digit code (valid 5 min, 5 tries) to a phone or e-mail through the configured sender.',
    body: LoginCodeBody,
    answer: LoginCodeAnswer,
  },
  loginVerify: {
    method: 'POST',
    path: '/api/login/verify',
    auth: false,
    status: 200,
    description: 'Exchange the code for a token; the same phone or e-mail is always the same user.',
    body: LoginVerifyBody,
    answer: LoginAnswer,
  },
  me: {
    method: 'GET',
    path: '/api/me',
    auth: true,
    status: 200,
    description: 'The caller’s profile.',
    answer: UserProfile,
  },
  usersOnline: {
    method: 'GET',
    path: '/api/users/online',
    auth: true,
    status: 200,
    description: 'Everyone online now.',
    answer: Type.Object({ users: Type.Array(UserProfile) }),
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
    description: 'The caller’s chats, the most recently active first.',
    answer: Type.Object({ chats: Type.Array(ChatSummary) }),
  },
  publicChats: {
    method: 'GET',
    path: '/api/chats/public',
    auth: true,
    status: 200,
    description: 'Every public chat.',
    answer: Type.Object({ chats: Type.Array(PublicChatSummary) }),
  },
  chatMessages: {
    method: 'GET',
    path: '/api/chats/:chat_id/messages',
    auth: true,
    status: 200,
    description: 'History: at most `limit` (default 20, max 100) messages with id < `before`, oldest first.',
    query: HistoryQuery,
    answer: Type.Object({ messages: Type.Array(Message) }),
  },
} satisfies Record<string, Route>;

export type UserDetails = Static<typeof UserDetails>;
export type ChatSummary = Static<typeof ChatSummary>;
export type PublicChatSummary = Static<typeof PublicChatSummary>;
export type LoginAnswer = Static<typeof LoginAnswer>;

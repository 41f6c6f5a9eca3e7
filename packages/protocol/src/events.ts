import { type Static, type TObject, Type } from '@sinclair/typebox';
import { ChatId, ClientMsgId, Message, MessageId, RequestId, UnixSeconds, UserId } from './common.js';
import { ERROR_CODE_LIST } from './errors.js';

const withRequestId = { request_id: Type.Optional(RequestId) };

/** Server → client events, keyed by their `type`. */
export const ServerEvents = {
  auth_ok: Type.Object(
    {
      type: Type.Literal('auth_ok'),
      token: Type.String({ description: 'The token the connection authenticated with (auth does not extend it).' }),
      user_id: UserId,
      chats: Type.Array(ChatId, { description: 'Every chat the user is a member of.' }),
      ...withRequestId,
    },
    { description: 'The connection is authenticated and receives the events of all the user’s chats.' },
  ),
  error: Type.Object(
    {
      type: Type.Literal('error'),
      error: Type.Union(ERROR_CODE_LIST.map((code) => Type.Literal(code))),
      message: Type.String(),
      action: Type.Optional(Type.String()),
      client_msg_id: Type.Optional(ClientMsgId),
      retry_after: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds; with `rate_limited`.' })),
      ...withRequestId,
    },
    { description: 'A refusal. The connection stays open unless said otherwise.' },
  ),
  dm_ready: Type.Object(
    { type: Type.Literal('dm_ready'), chat_id: ChatId, peer_user_id: UserId, ...withRequestId },
    { description: 'A DM exists between the receiving user and `peer_user_id`.' },
  ),
  chat_created: Type.Object(
    { type: Type.Literal('chat_created'), chat_id: ChatId, title: Type.String(), ...withRequestId },
    { description: 'The public chat was created; the caller is a member.' },
  ),
  joined: Type.Object(
    { type: Type.Literal('joined'), chat_id: ChatId, ...withRequestId },
    { description: 'The user is a member of the chat; its events follow.' },
  ),
  left: Type.Object(
    { type: Type.Literal('left'), chat_id: ChatId, ...withRequestId },
    { description: 'The user left the chat. (extension)' },
  ),
  chat_member_added: Type.Object(
    { type: Type.Literal('chat_member_added'), chat_id: ChatId, user_id: UserId },
    { description: 'A user joined a chat the receiver is in.' },
  ),
  chat_member_removed: Type.Object(
    { type: Type.Literal('chat_member_removed'), chat_id: ChatId, user_id: UserId },
    { description: 'A user left a chat the receiver is in. (extension)' },
  ),
  message_created: Type.Object(
    { type: Type.Literal('message_created'), chat_id: ChatId, message: Message },
    { description: 'A message in a chat the receiver is in, its own included; in id order per chat.' },
  ),
  ack: Type.Object(
    {
      type: Type.Literal('ack'),
      chat_id: ChatId,
      client_msg_id: Type.Union([ClientMsgId, Type.Null()], {
        description: 'The sender’s id, or null when the send carried none.',
      }),
      server_msg_id: MessageId,
      ...withRequestId,
    },
    { description: 'The message is stored (in Redis, with AOF) under `server_msg_id`.' },
  ),
  read_receipt: Type.Object(
    {
      type: Type.Literal('read_receipt'),
      chat_id: ChatId,
      message_id: MessageId,
      user_id: UserId,
      read_at: UnixSeconds,
    },
    { description: '`user_id` has read the chat up to `message_id`.' },
  ),
  typing: Type.Object(
    { type: Type.Literal('typing'), chat_id: ChatId, user_id: UserId, is_typing: Type.Boolean() },
    { description: 'Another member started or stopped typing (hide after 5 s without news).' },
  ),
  presence: Type.Object(
    {
      type: Type.Literal('presence'),
      user_id: UserId,
      status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
      last_seen: UnixSeconds,
    },
    { description: 'A user who shares a chat with the receiver came online or went offline.' },
  ),
  chat_muted: Type.Object(
    { type: Type.Literal('chat_muted'), chat_id: ChatId, until: UnixSeconds, ...withRequestId },
    { description: 'The user muted (until > now) or unmuted (0) a chat; sent to all their connections. (extension)' },
  ),
  history: Type.Object(
    {
      type: Type.Literal('history'),
      chat_id: ChatId,
      messages: Type.Array(Message),
      first_available_id: Type.Optional(
        Type.Integer({
          minimum: 1,
          description:
            'Present when messages after `after_id` are older than the chat keeps: the oldest id still kept. (extension)',
        }),
      ),
      more: Type.Optional(
        Type.Literal(true, {
          description:
            'Present when more messages follow these: the page stopped at `limit` or once its JSON passed ' +
            'LIMITS.pageMaxBytes (256 KiB). Sync again after the last id. (extension)',
        }),
      ),
      ...withRequestId,
    },
    { description: 'The answer to `sync`: messages with id > after_id, oldest first. (extension)' },
  ),
} satisfies Record<string, TObject>;

export type ServerEventType = keyof typeof ServerEvents;
export type ServerEventOf<T extends ServerEventType> = Static<(typeof ServerEvents)[T]>;
export type ServerEvent = { [T in ServerEventType]: ServerEventOf<T> }[ServerEventType];
export const SERVER_EVENT_TYPES = Object.keys(ServerEvents) as ServerEventType[];

export type ErrorEvent = ServerEventOf<'error'>;
export type AckEvent = ServerEventOf<'ack'>;
export type HistoryEvent = ServerEventOf<'history'>;

import { type Static, type TObject, Type } from '@sinclair/typebox';
import {
  AvatarUrl,
  ChatId,
  ClientMsgId,
  MessageId,
  UnixSeconds,
  UserId,
  Username,
  VISIBLE_TEXT_PATTERN,
} from './common.js';
import { LIMITS } from './limits.js';

/**
 * Client → server actions. Each entry is the schema of the frame's `data`, with what the caller gets back and
 * what others get: the server validates with these, the SDK is typed from them, docs are generated from them.
 */
export const ActionData = {
  auth: Type.Object(
    {
      token: Type.String({ minLength: 1, maxLength: LIMITS.tokenMaxLength }),
      username: Type.Optional(Username),
      avatar_url: Type.Optional(AvatarUrl),
    },
    { description: 'Authenticate the connection; username/avatar, when given, update the profile.' },
  ),
  create_dm: Type.Object(
    { peer_user_id: UserId },
    { description: 'Open (or find) the one DM between the caller and the peer.' },
  ),
  create_public_chat: Type.Object(
    {
      title: Type.String({
        minLength: 1,
        maxLength: LIMITS.chatTitleMaxLength,
        pattern: VISIBLE_TEXT_PATTERN,
        description: 'Not only spaces, no lone surrogate.',
      }),
    },
    { description: 'Create a public chat; the creator is its first member.' },
  ),
  join_chat: Type.Object({ chat_id: ChatId }, { description: 'Join a public chat.' }),
  leave_chat: Type.Object({ chat_id: ChatId }, { description: 'Leave a public chat. (extension)' }),
  send_message: Type.Object(
    {
      chat_id: ChatId,
      body: Type.String({
        minLength: 1,
        maxLength: LIMITS.bodyMaxLength,
        description:
          'Well-formed text (no lone UTF-16 surrogate), at most LIMITS.bodyMaxBytes (16 KiB) as a JSON string in UTF-8; else `invalid_payload`.',
      }),
      type: Type.Optional(Type.Literal('text')),
      client_msg_id: Type.Optional(ClientMsgId),
    },
    { description: 'Send a message to a chat the caller is a member of.' },
  ),
  read_receipt: Type.Object(
    { chat_id: ChatId, message_id: MessageId },
    { description: 'Mark every message up to `message_id` as read.' },
  ),
  typing: Type.Object(
    { chat_id: ChatId, is_typing: Type.Boolean() },
    { description: 'Tell the other members the caller is (or stopped) typing; expires after 5 s.' },
  ),
  mute_chat: Type.Object(
    { chat_id: ChatId, until: UnixSeconds },
    { description: 'Mute a chat until a time (Unix seconds); 0 unmutes. (extension)' },
  ),
  sync: Type.Object(
    {
      chat_id: ChatId,
      after_id: Type.Integer({ minimum: 0 }),
      limit: Type.Optional(
        Type.Integer({ minimum: 1, maximum: LIMITS.syncLimitMax, default: LIMITS.syncLimitDefault }),
      ),
    },
    { description: 'Fetch the messages with id > after_id, oldest first. (extension)' },
  ),
} satisfies Record<string, TObject>;

export type ActionName = keyof typeof ActionData;
export type ActionDataOf<A extends ActionName> = Static<(typeof ActionData)[A]>;
export const ACTION_NAMES = Object.keys(ActionData) as ActionName[];

/** A client frame, typed by its action. */
export type ClientFrame = {
  [A in ActionName]: { action: A; data: ActionDataOf<A>; request_id?: string };
}[ActionName];

/** The JSON envelope of every client frame (the server checks it before `data`). */
export const ClientEnvelope = Type.Object({
  action: Type.String(),
  data: Type.Object({}),
  request_id: Type.Optional(Type.String({ maxLength: LIMITS.requestIdMaxLength })),
});

/** What each action answers the caller with and what it sends to others: the contract's table, for docs. */
export const ACTION_FLOW: Record<ActionName, { reply: string[]; others: string; extension?: boolean }> = {
  auth: { reply: ['auth_ok'], others: '`presence` online, if it is the user’s first connection' },
  create_dm: {
    reply: ['dm_ready'],
    others: 'the peer’s connections get `dm_ready { chat_id, peer_user_id }` (their own peer)',
  },
  create_public_chat: { reply: ['chat_created'], others: '—' },
  join_chat: { reply: ['joined'], others: 'members get `chat_member_added { chat_id, user_id }`' },
  leave_chat: {
    reply: ['left'],
    others: 'members get `chat_member_removed { chat_id, user_id }`',
    extension: true,
  },
  send_message: {
    reply: ['ack'],
    others: 'every connection of every member, the sender’s included, gets `message_created`',
  },
  read_receipt: { reply: [], others: 'members get `read_receipt { chat_id, message_id, user_id, read_at }`' },
  typing: { reply: [], others: 'other members get `typing { chat_id, user_id, is_typing }`' },
  mute_chat: { reply: ['chat_muted'], others: '— (all the user’s connections get `chat_muted`)', extension: true },
  sync: { reply: ['history'], others: '—', extension: true },
};

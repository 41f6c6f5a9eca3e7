import { type Static, type TObject, Type } from '@sinclair/typebox';
import { ChatId, ClientMsgId, Message, MessageId, RequestId, Role, UnixSeconds, UserId } from './common.js';
import { ERROR_CODE_LIST } from './errors.js';
import { ChatKind, InviteCode } from './groups.js';

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
    {
      type: Type.Literal('chat_created'),
      chat_id: ChatId,
      title: Type.String(),
      kind: Type.Union([Type.Literal('public'), Type.Literal('group')]),
      ...withRequestId,
    },
    { description: 'The public chat or group was created; the caller is a member (a group’s owner).' },
  ),
  chat_added: Type.Object(
    { type: Type.Literal('chat_added'), chat_id: ChatId, kind: ChatKind, title: Type.String(), by: UserId },
    { description: 'The receiver was added to a group (by `by`): its events follow.' },
  ),
  members_added: Type.Object(
    {
      type: Type.Literal('members_added'),
      chat_id: ChatId,
      user_ids: Type.Array(UserId, { description: 'Who was added: not those already members or left out.' }),
      ...withRequestId,
    },
    { description: 'The answer to `add_members`.' },
  ),
  member_removed: Type.Object(
    { type: Type.Literal('member_removed'), chat_id: ChatId, user_id: UserId, ...withRequestId },
    { description: 'The answer to `remove_member`: the user is out and gets no further event of the chat.' },
  ),
  chat_removed: Type.Object(
    { type: Type.Literal('chat_removed'), chat_id: ChatId, by: UserId },
    { description: 'The receiver was removed from a group: no further event of it comes.' },
  ),
  role_set: Type.Object(
    { type: Type.Literal('role_set'), chat_id: ChatId, user_id: UserId, role: Role, ...withRequestId },
    { description: 'The answer to `set_role`.' },
  ),
  chat_member_role: Type.Object(
    { type: Type.Literal('chat_member_role'), chat_id: ChatId, user_id: UserId, role: Role, by: UserId },
    { description: 'A member’s role changed (an ownership handed over also makes the old owner an admin).' },
  ),
  chat_updated: Type.Object(
    {
      type: Type.Literal('chat_updated'),
      chat_id: ChatId,
      title: Type.String(),
      description: Type.String(),
      avatar_url: Type.String({ description: 'Empty when the chat has no picture.' }),
      by: UserId,
      ...withRequestId,
    },
    {
      description: 'A chat’s title, description or picture changed: to its members, and the answer to `update_chat`.',
    },
  ),
  invite_created: Type.Object(
    {
      type: Type.Literal('invite_created'),
      chat_id: ChatId,
      code: InviteCode,
      expires_at: UnixSeconds,
      max_uses: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'null: no limit.' }),
      ...withRequestId,
    },
    { description: 'The answer to `create_invite`; the web client’s link is `/#/invite/{code}`.' },
  ),
  invite_revoked: Type.Object(
    { type: Type.Literal('invite_revoked'), chat_id: ChatId, code: InviteCode, ...withRequestId },
    { description: 'The answer to `revoke_invite`: the code no longer works.' },
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
    {
      type: Type.Literal('chat_member_added'),
      chat_id: ChatId,
      user_id: UserId,
      by: Type.Optional(UserId),
    },
    {
      description:
        'A user joined a chat the receiver is in: `by` who added them (a group), or themselves (joined by invite or a public chat).',
    },
  ),
  chat_member_removed: Type.Object(
    {
      type: Type.Literal('chat_member_removed'),
      chat_id: ChatId,
      user_id: UserId,
      by: Type.Optional(UserId),
    },
    {
      description:
        'A user left a chat the receiver is in (`by` is themselves) or was removed from it (`by` who removed them).',
    },
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
  delivered_receipt: Type.Object(
    {
      type: Type.Literal('delivered_receipt'),
      chat_id: ChatId,
      message_id: MessageId,
      user_id: UserId,
      delivered_at: UnixSeconds,
    },
    {
      description:
        '`user_id`’s devices have the chat up to `message_id` (DMs and groups of at most RECEIPTS_FANOUT_MAX_MEMBERS). A `read_receipt` stands for delivery too.',
    },
  ),
  chat_receipts: Type.Object(
    {
      type: Type.Literal('chat_receipts'),
      chat_id: ChatId,
      received_id: Type.Integer({ minimum: 0, description: 'Every member has received the messages up to this.' }),
      read_id: Type.Integer({ minimum: 0, description: 'Every member has read the messages up to this.' }),
    },
    {
      description:
        'The chat’s lowest received or read mark over its members rose (DMs and groups): own messages up to `received_id` show grey ✓✓, up to `read_id` blue ✓✓.',
    },
  ),
  message_updated: Type.Object(
    {
      type: Type.Literal('message_updated'),
      chat_id: ChatId,
      change_id: Type.Integer({ minimum: 1, description: 'The chat’s change count: 1, 2, 3… with no gap.' }),
      message: Message,
    },
    { description: 'A message was edited, deleted or reacted to: the whole message as it now stands.' },
  ),
  change_ack: Type.Object(
    {
      type: Type.Literal('change_ack'),
      chat_id: ChatId,
      message_id: MessageId,
      change_id: Type.Integer({
        minimum: 0,
        description: 'The change made; the chat’s last change id when the action changed nothing (a repeat).',
      }),
      ...withRequestId,
    },
    { description: 'The answer to `edit_message`, `delete_message` and `react`: the change is stored. (extension)' },
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
  blocks_changed: Type.Object(
    {
      type: Type.Literal('blocks_changed'),
      user_id: UserId,
      blocked: Type.Boolean({ description: 'true: the user blocked `user_id`; false: unblocked them.' }),
    },
    {
      description:
        'The receiving user blocked or unblocked someone (on any of their devices); the one blocked is not told. (extension)',
    },
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
            'LIMITS.pageMaxBytes (256 KiB). Sync again after the last id. With `after_change_id`, also when ' +
            '`updates` stopped at that cap: sync again from `change_id`. (extension)',
        }),
      ),
      updates: Type.Optional(
        Type.Array(Message, {
          description:
            'With `after_change_id`: the messages changed since, as they now stand (those older than the chat keeps are left out).',
        }),
      ),
      change_id: Type.Optional(
        Type.Integer({
          minimum: 0,
          description:
            'With `after_change_id`: the chat’s last change id (when `updates` stopped at the byte cap, the change they reached).',
        }),
      ),
      changes_reset: Type.Optional(
        Type.Literal(true, {
          description:
            'With `after_change_id`: changes after it are no longer kept (CHANGES_KEEP); refetch what is shown.',
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

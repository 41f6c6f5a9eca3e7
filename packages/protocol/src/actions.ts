import { type Static, type TObject, Type } from '@sinclair/typebox';
import { AvatarUrl, ChatId, ClientMsgId, MessageId, Role, UnixSeconds, UserId, Username } from './common.js';
import { ChatDescription, ChatTitle, InviteCode } from './groups.js';
import { LIMITS, TIMINGS } from './limits.js';
import { MEDIA_MESSAGE_TYPE_LITERALS, MediaId } from './media.js';

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
    { title: ChatTitle },
    { description: 'Create a public chat; the creator is its first member.' },
  ),
  create_group: Type.Object(
    {
      title: ChatTitle,
      member_ids: Type.Array(UserId, {
        maxItems: LIMITS.groupAddMax,
        description: 'Who to add besides the caller (repeats and the caller are ignored).',
      }),
      description: Type.Optional(ChatDescription),
    },
    {
      description:
        'Create a private group; the caller is its owner. Users who do not exist, whose chat list is full or who blocked the caller are left out (the answer says who was added).',
    },
  ),
  add_members: Type.Object(
    { chat_id: ChatId, user_ids: Type.Array(UserId, { minItems: 1, maxItems: LIMITS.groupAddMax }) },
    {
      description:
        'Add users to a group (admins and the owner). Members already, users who do not exist, whose chat list is full or who blocked the caller are left out.',
    },
  ),
  remove_member: Type.Object(
    { chat_id: ChatId, user_id: UserId },
    { description: 'Remove a member from a group: the owner any, an admin a plain member.' },
  ),
  set_role: Type.Object(
    { chat_id: ChatId, user_id: UserId, role: Role },
    {
      description:
        'The owner makes a member an admin or a plain member, or hands over ownership (`owner`: the caller becomes an admin).',
    },
  ),
  update_chat: Type.Object(
    {
      chat_id: ChatId,
      title: Type.Optional(ChatTitle),
      description: Type.Optional(ChatDescription),
      avatar_media_id: Type.Optional(
        Type.Union([MediaId, Type.Literal('')], {
          description: 'The group’s picture: an image the caller uploaded (within 24 h); `""` removes it. (section 12)',
        }),
      ),
    },
    {
      description:
        'Change a group’s title, description or picture (admins and the owner), or a public chat’s (its creator).',
    },
  ),
  create_invite: Type.Object(
    {
      chat_id: ChatId,
      expires_in_s: Type.Optional(
        Type.Integer({
          minimum: 60,
          maximum: TIMINGS.inviteTtlMaxSeconds,
          description: 'Seconds until the code stops working: default 7 days, at most 30.',
        }),
      ),
      max_uses: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: LIMITS.inviteMaxUses,
          description: 'Joins it allows; no limit when omitted.',
        }),
      ),
    },
    { description: 'Make an invite code for a group (admins and the owner).' },
  ),
  revoke_invite: Type.Object(
    { chat_id: ChatId, code: InviteCode },
    { description: 'Stop an invite code from working (admins and the owner).' },
  ),
  join_chat: Type.Object(
    { chat_id: Type.Optional(ChatId), invite_code: Type.Optional(InviteCode) },
    {
      minProperties: 1,
      description: 'Join a public chat by its `chat_id`, or a group with a live `invite_code` (exactly one of them).',
    },
  ),
  leave_chat: Type.Object({ chat_id: ChatId }, { description: 'Leave a group or a public chat.' }),
  send_message: Type.Object(
    {
      chat_id: ChatId,
      body: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: LIMITS.bodyMaxLength,
          description:
            'Well-formed text (no lone UTF-16 surrogate), at most LIMITS.bodyMaxBytes (16 KiB) as a JSON string in UTF-8; else `invalid_payload`. Required for text unless `forward_of` is given (a forward carries the source’s body and media); a media message’s caption.',
        }),
      ),
      type: Type.Optional(
        Type.Union([Type.Literal('text'), ...MEDIA_MESSAGE_TYPE_LITERALS], {
          description:
            '`text` (the default), or a media message: then `media_id` is required and `body` is its caption.',
        }),
      ),
      media_id: Type.Optional(MediaId),
      client_msg_id: Type.Optional(ClientMsgId),
      reply_to: Type.Optional(
        Type.Integer({ minimum: 1, description: 'The id of a message of this chat that this one answers.' }),
      ),
      mentions: Type.Optional(
        Type.Array(UserId, {
          maxItems: LIMITS.mentionsMax,
          description: 'Members the message mentions; others (and repeats) are left out.',
        }),
      ),
      forward_of: Type.Optional(
        Type.Object(
          { chat_id: ChatId, message_id: MessageId },
          { description: 'Forward a copy of a message the caller can read (its body, never its sender).' },
        ),
      ),
    },
    { description: 'Send a message to a chat the caller is a member of.' },
  ),
  received: Type.Object(
    { chat_id: ChatId, message_id: MessageId },
    {
      description:
        'The caller’s device has every message up to `message_id` (the SDK sends it by itself, at most once a second per chat).',
    },
  ),
  edit_message: Type.Object(
    {
      chat_id: ChatId,
      message_id: MessageId,
      body: Type.String({
        minLength: 1,
        maxLength: LIMITS.bodyMaxLength,
        description: 'The new text; the same rules as `send_message`’s body.',
      }),
    },
    { description: 'Change the text of one’s own message, within EDIT_WINDOW_S (15 min) of sending it.' },
  ),
  delete_message: Type.Object(
    { chat_id: ChatId, message_id: MessageId },
    {
      description:
        'Delete a message for everyone: one’s own within DELETE_WINDOW_S (2 days), or any in a group by its admins and owner.',
    },
  ),
  react: Type.Object(
    {
      chat_id: ChatId,
      message_id: MessageId,
      emoji: Type.String({
        maxLength: LIMITS.reactionMaxBytes,
        description: 'One emoji (one grapheme, at most 32 bytes in UTF-8); `""` removes the caller’s reaction.',
      }),
    },
    { description: 'React to a message: one reaction per user, a new one replaces the old.' },
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
  set_active: Type.Object(
    {
      active: Type.Boolean({
        description: 'Whether this connection is in front of its user (the tab visible); a new connection is.',
      }),
    },
    {
      description:
        'Say whether this connection is in use: a user none of whose connections is active for PUSH_IDLE_S is pushed new messages (section 13). (extension)',
    },
  ),
  sync: Type.Object(
    {
      chat_id: ChatId,
      after_id: Type.Integer({ minimum: 0 }),
      after_change_id: Type.Optional(
        Type.Integer({
          minimum: 0,
          description:
            'Also return the messages changed (edited, deleted, reacted to) after this change id, as `updates`.',
        }),
      ),
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
  create_group: {
    reply: ['chat_created'],
    others:
      'each added member’s connections get `chat_added { chat_id, kind, title, by }` and the chat’s events from then on',
  },
  add_members: {
    reply: ['members_added'],
    others: 'members get `chat_member_added { chat_id, user_id, by }` each; the added get `chat_added`',
  },
  remove_member: {
    reply: ['member_removed'],
    others:
      'members get `chat_member_removed { chat_id, user_id, by }`; the removed user’s connections get `chat_removed { chat_id, by }` and no further event of the chat',
  },
  set_role: { reply: ['role_set'], others: 'members get `chat_member_role { chat_id, user_id, role, by }`' },
  update_chat: {
    reply: ['chat_updated'],
    others: 'members get `chat_updated { chat_id, title, description, avatar_url, by }`',
  },
  create_invite: { reply: ['invite_created'], others: '—' },
  revoke_invite: { reply: ['invite_revoked'], others: '—' },
  join_chat: { reply: ['joined'], others: 'members get `chat_member_added { chat_id, user_id }`' },
  leave_chat: {
    reply: ['left'],
    others: 'members get `chat_member_removed { chat_id, user_id, by }` (by: the one who left)',
  },
  send_message: {
    reply: ['ack'],
    others: 'every connection of every member, the sender’s included, gets `message_created`',
  },
  received: {
    reply: [],
    others:
      'DMs and groups of at most RECEIPTS_FANOUT_MAX_MEMBERS: members get `delivered_receipt { chat_id, message_id, user_id, delivered_at }`; DMs and groups: `chat_receipts { chat_id, received_id, read_id }` when the chat’s lowest mark rises',
  },
  read_receipt: {
    reply: [],
    others:
      'DMs, and groups and public chats of at most RECEIPTS_FANOUT_MAX_MEMBERS: members get `read_receipt { chat_id, message_id, user_id, read_at }`; DMs and groups: `chat_receipts` when the chat’s lowest mark rises',
  },
  edit_message: {
    reply: ['change_ack'],
    others: 'every member gets `message_updated { chat_id, change_id, message }`',
  },
  delete_message: {
    reply: ['change_ack'],
    others: 'every member gets `message_updated` (the message as `deleted`; replies quoting it too)',
  },
  react: { reply: ['change_ack'], others: 'every member gets `message_updated`' },
  typing: { reply: [], others: 'other members get `typing { chat_id, user_id, is_typing }`' },
  mute_chat: { reply: ['chat_muted'], others: '— (all the user’s connections get `chat_muted`)', extension: true },
  set_active: { reply: [], others: '—', extension: true },
  sync: { reply: ['history'], others: '—', extension: true },
};

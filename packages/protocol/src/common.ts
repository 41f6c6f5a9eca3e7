import { type Static, Type } from '@sinclair/typebox';
import { LIMITS } from './limits.js';
import { MEDIA_MESSAGE_TYPE_LITERALS, MediaInfo } from './media.js';

/** Ids are letters, digits, `_` and `-`: safe inside Redis key names and logs. */
const ID_PATTERN = '^[A-Za-z0-9_-]+$';

export const UserId = Type.String({
  minLength: 1,
  maxLength: LIMITS.idMaxLength,
  pattern: ID_PATTERN,
  description: 'A user id, as returned by login (opaque string).',
});
export const ChatId = Type.String({
  minLength: 1,
  maxLength: LIMITS.idMaxLength,
  pattern: ID_PATTERN,
  description: 'A chat id (opaque string).',
});
export const UnixSeconds = Type.Integer({ minimum: 0, description: 'Unix time in seconds.' });
export const MessageId = Type.Integer({
  minimum: 1,
  description: "The message's position in its chat: 1, 2, 3… with no gap.",
});
/**
 * Names and titles: at least one character that is not a space, and well-formed text (no lone UTF-16
 * surrogate, which is no character and which JSON stores as a 6-byte escape). Written to work with and
 * without a regular expression's `u` flag.
 */
export const VISIBLE_TEXT_PATTERN = '^(?=[\\s\\S]*\\S)(?:[^\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

export const Username = Type.String({
  minLength: 1,
  maxLength: LIMITS.usernameMaxLength,
  pattern: VISIBLE_TEXT_PATTERN,
  description: 'A display name: not only spaces, no lone surrogate.',
});
export const AvatarUrl = Type.String({
  maxLength: LIMITS.avatarUrlMaxLength,
  pattern: '^https?://[^\\s]+$',
  description: 'An http(s) URL.',
});
export const RequestId = Type.String({
  maxLength: LIMITS.requestIdMaxLength,
  description: 'Echoed on the reply to the frame that carried it.',
});
export const ClientMsgId = Type.String({
  minLength: 1,
  maxLength: LIMITS.clientMsgIdMaxLength,
  description: 'Chosen by the sender; a repeat within 24 h creates nothing and gets the first ack.',
});

/** `owner` (exactly one per group), `admin`, `member` (no entry in `chat:{id}:roles`). */
export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

export const SYSTEM_EVENTS = [
  'created',
  'member_added',
  'member_removed',
  'member_left',
  'joined_by_invite',
  'role_changed',
  'info_changed',
] as const;
export type SystemEventName = (typeof SYSTEM_EVENTS)[number];

/** What a system message (`msg_type: "system"`) records. */
export const SystemInfo = Type.Object(
  {
    event: Type.Union(SYSTEM_EVENTS.map((event) => Type.Literal(event))),
    user_id: Type.Optional(
      Type.String({ description: 'Whom the change is about (added, removed, left, joined, whose role changed).' }),
    ),
    user_ids: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'With `member_added` of several users in one `add_members` (or `create_group`): all of them, `user_id` being the first. (extension)',
      }),
    ),
    by: Type.String({ description: 'Who made the change.' }),
    title: Type.Optional(Type.String({ description: 'The group’s title: with `created`, and `info_changed` of it.' })),
    role: Type.Optional(Role),
    description: Type.Optional(
      Type.Literal(true, { description: 'With `info_changed`: the description changed. (extension)' }),
    ),
    picture: Type.Optional(
      Type.Literal(true, { description: 'With `info_changed`: the group’s picture changed (or went). (extension)' }),
    ),
  },
  { description: 'A change of membership, role or group info, where it happened in the chat’s sequence.' },
);
export type SystemInfo = Static<typeof SystemInfo>;

/** What a reply carries of the message it quotes (contract section 11), fixed when the reply is sent. */
export const ReplyQuote = Type.Object(
  {
    id: MessageId,
    sender_id: UserId,
    msg_type: Type.String({ description: 'The quoted message’s `msg_type`.' }),
    preview: Type.Optional(
      Type.String({
        maxLength: LIMITS.replyPreviewMaxLength,
        description: 'The quoted body’s first 100 characters; absent once the quoted message is deleted.',
      }),
    ),
    deleted: Type.Optional(Type.Literal(true, { description: 'The quoted message was deleted since. (extension)' })),
  },
  { description: 'The message a reply answers, as it now stands (an edit changes the preview, a delete removes it).' },
);
export type ReplyQuote = Static<typeof ReplyQuote>;

export const Message = Type.Object(
  {
    id: MessageId,
    sender_id: UserId,
    body: Type.Optional(
      Type.String({ description: 'The text (empty for a system message); absent once the message is deleted.' }),
    ),
    msg_type: Type.Union([Type.Literal('text'), Type.Literal('system'), ...MEDIA_MESSAGE_TYPE_LITERALS], {
      description:
        '`system`: a change of the group (`system` says which); its body is empty and it is not unread. `image`, `video`, `audio`, `voice`, `file`: `media` says what, `body` is the caption (if any).',
    }),
    created_at: UnixSeconds,
    client_msg_id: Type.Optional(ClientMsgId),
    system: Type.Optional(SystemInfo),
    media: Type.Optional(MediaInfo),
    reply_to: Type.Optional(ReplyQuote),
    mentions: Type.Optional(
      Type.Array(UserId, {
        maxItems: LIMITS.mentionsMax,
        description: 'Members the message mentions (those of `mentions` sent who are members).',
      }),
    ),
    forwarded: Type.Optional(Type.Literal(true, { description: 'A copy of a message from another chat.' })),
    edited_at: Type.Optional(UnixSeconds),
    deleted: Type.Optional(
      Type.Literal(true, { description: 'Deleted for everyone: body, media, reactions and quote are gone.' }),
    ),
    deleted_by: Type.Optional(UserId),
    reactions: Type.Optional(
      Type.Record(Type.String(), Type.Array(UserId), {
        description: 'emoji → who reacted with it (one reaction per user); absent when none.',
      }),
    ),
  },
  { $id: 'Message', description: 'A chat message, as stored in `chat:{chat_id}:messages` and delivered.' },
);
export type Message = Static<typeof Message>;

export const UserProfile = Type.Object({
  user_id: UserId,
  username: Type.String(),
  avatar_url: Type.String({ description: 'Empty when the user set none.' }),
});
export type UserProfile = Static<typeof UserProfile>;

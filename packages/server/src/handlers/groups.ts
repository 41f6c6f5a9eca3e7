import { cleanDisplayText } from '@papo/protocol';
import { cleanName, hasVisibleText } from '../display-text.js';
import { AppError } from '../errors.js';
import { type Handler, userOf } from './context.js';

/**
 * Groups (contract section 9). The store's scripts check every permission with the change; handlers clean
 * the text, attach or detach the calling connection, and shape the answers. Others hear of each change from
 * the chat's channel (members) and their own (the added and the removed).
 */

/**
 * A description keeps its lines (WhatsApp's are often several), each cleaned as a name is of control and
 * bidi-override characters; '' when nothing visible is left.
 */
function cleanDescription(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  const lines = description.replace(/\r\n?/g, '\n').split('\n').map(cleanDisplayText);
  const text = lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return hasVisibleText(text) ? text : '';
}

export const createGroup: Handler<'create_group'> = async (ctx, conn, data) => {
  const me = userOf(conn);
  const title = cleanName(data.title, 'data.title') as string;
  const { chatId } = await ctx.groups.createGroup(
    me,
    { title, description: cleanDescription(data.description) ?? '', memberIds: data.member_ids },
    conn.id,
  );
  // From before the `created` message (id 1): the caller's connection fetches it too.
  await ctx.hub.attachChat(conn, chatId, 0);
  return { type: 'chat_created', chat_id: chatId, title, kind: 'group' };
};

export const addMembers: Handler<'add_members'> = async (ctx, conn, { chat_id: chatId, user_ids: userIds }) => {
  const added = await ctx.groups.addMembers(userOf(conn), chatId, userIds);
  return { type: 'members_added', chat_id: chatId, user_ids: added };
};

export const removeMember: Handler<'remove_member'> = async (ctx, conn, { chat_id: chatId, user_id: userId }) => {
  const me = userOf(conn);
  if (userId === me) throw new AppError('invalid_payload', 'To leave a group, use leave_chat.');
  await ctx.groups.removeMember(me, chatId, userId, 'remove', conn.id);
  return { type: 'member_removed', chat_id: chatId, user_id: userId };
};

export const setRole: Handler<'set_role'> = async (ctx, conn, { chat_id: chatId, user_id: userId, role }) => {
  await ctx.groups.setRole(userOf(conn), chatId, userId, role);
  return { type: 'role_set', chat_id: chatId, user_id: userId, role };
};

export const updateChat: Handler<'update_chat'> = async (ctx, conn, data) => {
  const me = userOf(conn);
  if (data.title === undefined && data.description === undefined && data.avatar_media_id === undefined) {
    throw new AppError('invalid_payload', 'Give a title, a description or a picture.');
  }
  const title = data.title === undefined ? undefined : (cleanName(data.title, 'data.title') as string);
  // A picture is the caller's image upload, claimed first (its slot), then set (the chat's).
  const picture = data.avatar_media_id;
  if (picture) await ctx.media.claimAvatar(me, picture, `chat:${data.chat_id}`);
  const changed = await ctx.groups.updateChat(me, data.chat_id, {
    title,
    description: cleanDescription(data.description),
    pictureMediaId: picture,
  });
  // The picture replaced (or a claim the chat refused) is looked at by the media sweep: deleted if unused.
  if (changed.replacedPicture) await ctx.media.released(changed.replacedPicture);
  return {
    type: 'chat_updated',
    chat_id: data.chat_id,
    title: changed.title,
    description: changed.description,
    avatar_url: changed.avatarUrl,
    by: me,
  };
};

export const createInvite: Handler<'create_invite'> = async (ctx, conn, data) => {
  const { code, expiresAt, maxUses } = await ctx.groups.createInvite(userOf(conn), data.chat_id, {
    expiresInS: data.expires_in_s,
    maxUses: data.max_uses,
  });
  return { type: 'invite_created', chat_id: data.chat_id, code, expires_at: expiresAt, max_uses: maxUses };
};

export const revokeInvite: Handler<'revoke_invite'> = async (ctx, conn, { chat_id: chatId, code }) => {
  await ctx.groups.revokeInvite(userOf(conn), chatId, code);
  return { type: 'invite_revoked', chat_id: chatId, code };
};

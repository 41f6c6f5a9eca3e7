import { cleanName } from '../display-text.js';
import { AppError } from '../errors.js';
import { type Handler, userOf } from './context.js';

export const createDm: Handler<'create_dm'> = async (ctx, conn, { peer_user_id: peer }) => {
  const me = userOf(conn);
  if (peer === me) throw new AppError('invalid_payload', 'A DM needs another user: peer_user_id is yours.');
  const { chatId, created } = await ctx.chats.createDm(me, peer, conn.id);
  await ctx.hub.attachChat(conn, chatId, created ? 0 : undefined);
  return { type: 'dm_ready', chat_id: chatId, peer_user_id: peer };
};

export const createPublicChat: Handler<'create_public_chat'> = async (ctx, conn, { title }) => {
  const me = userOf(conn);
  const trimmed = cleanName(title, 'data.title') as string;
  const chatId = await ctx.chats.createPublicChat(me, trimmed, conn.id);
  await ctx.hub.attachChat(conn, chatId, 0);
  return { type: 'chat_created', chat_id: chatId, title: trimmed, kind: 'public' };
};

/** A public chat by its id, or a group by an invite code: exactly one of the two. */
export const joinChat: Handler<'join_chat'> = async (ctx, conn, { chat_id: byId, invite_code: code }) => {
  if ((byId === undefined) === (code === undefined)) {
    throw new AppError('invalid_payload', 'Give either chat_id (a public chat) or invite_code (a group).');
  }
  const { chatId, lastId } =
    code === undefined
      ? { chatId: byId as string, ...(await ctx.chats.joinChat(userOf(conn), byId as string, conn.id)) }
      : await ctx.groups.joinByInvite(userOf(conn), code, conn.id);
  await ctx.hub.attachChat(conn, chatId, lastId);
  return { type: 'joined', chat_id: chatId };
};

export const leaveChat: Handler<'leave_chat'> = async (ctx, conn, { chat_id: chatId }) => {
  const me = userOf(conn);
  // A chat's kind never changes: reading it first decides nothing a concurrent change could make wrong.
  if ((await ctx.groups.kindOf(chatId)) === 'group') await ctx.groups.removeMember(me, chatId, me, 'leave', conn.id);
  else await ctx.chats.leaveChat(me, chatId, conn.id);
  ctx.hub.detachChat(conn, chatId);
  return { type: 'left', chat_id: chatId };
};

export const muteChat: Handler<'mute_chat'> = async (ctx, conn, { chat_id: chatId, until }) => {
  await ctx.chats.muteChat(userOf(conn), chatId, until, conn.id);
  return { type: 'chat_muted', chat_id: chatId, until };
};

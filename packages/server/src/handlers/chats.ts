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
  return { type: 'chat_created', chat_id: chatId, title: trimmed };
};

export const joinChat: Handler<'join_chat'> = async (ctx, conn, { chat_id: chatId }) => {
  const { lastId } = await ctx.chats.joinChat(userOf(conn), chatId, conn.id);
  await ctx.hub.attachChat(conn, chatId, lastId);
  return { type: 'joined', chat_id: chatId };
};

export const leaveChat: Handler<'leave_chat'> = async (ctx, conn, { chat_id: chatId }) => {
  await ctx.chats.leaveChat(userOf(conn), chatId, conn.id);
  ctx.hub.detachChat(conn, chatId);
  return { type: 'left', chat_id: chatId };
};

export const muteChat: Handler<'mute_chat'> = async (ctx, conn, { chat_id: chatId, until }) => {
  await ctx.chats.muteChat(userOf(conn), chatId, until, conn.id);
  return { type: 'chat_muted', chat_id: chatId, until };
};

import { LIMITS, TIMINGS } from '@papo/protocol';
import { AppError } from '../errors.js';
import { type Handler, RawReply, userOf } from './context.js';

export const sendMessage: Handler<'send_message'> = async (ctx, conn, data) => {
  if (data.body === undefined) throw new AppError('invalid_payload', 'data.body: required (a text message).');
  const id = await ctx.messages.send(userOf(conn), data.chat_id, data.body, data.client_msg_id);
  // The hot path's one reply, written as text: no object to build and stringify per message.
  const clientMsgId = data.client_msg_id === undefined ? 'null' : JSON.stringify(data.client_msg_id);
  return new RawReply(
    'ack',
    `{"type":"ack","chat_id":${JSON.stringify(data.chat_id)},"client_msg_id":${clientMsgId},"server_msg_id":${id}`,
  );
};

export const readReceipt: Handler<'read_receipt'> = async (ctx, conn, data) => {
  await ctx.chats.readReceipt(userOf(conn), data.chat_id, data.message_id);
  return undefined;
};

export const received: Handler<'received'> = async (ctx, conn, data) => {
  await ctx.chats.received(userOf(conn), data.chat_id, data.message_id);
  return undefined;
};

export const typing: Handler<'typing'> = async (ctx, conn, data) => {
  await ctx.chats.typing(userOf(conn), data.chat_id, data.is_typing, TIMINGS.typingTtlSeconds);
  // Remembered so that closing this connection says "stopped typing" there, and nowhere else.
  conn.noteTyping(data.chat_id, data.is_typing ? Date.now() + TIMINGS.typingTtlSeconds * 1000 : 0);
  return undefined;
};

/** `sync`: the messages after `after_id`, forwarded as stored (no parse, no re-serialisation). */
export const sync: Handler<'sync'> = async (ctx, conn, { chat_id: chatId, after_id: afterId, limit }) => {
  const page = await ctx.messages.userPage(userOf(conn), chatId, 'after', afterId, limit ?? LIMITS.syncLimitDefault);
  // Messages after after_id that the chat no longer keeps: say where the kept ones start.
  const gap = afterId + 1 < page.firstKeptId ? `,"first_available_id":${page.firstKeptId}` : '';
  const more = page.more ? ',"more":true' : '';
  return new RawReply(
    'history',
    `{"type":"history","chat_id":"${chatId}","messages":[${page.messages.join(',')}]${gap}${more}`,
  );
};

import { LIMITS } from '@papo/protocol';
import { AppError } from '../errors.js';
import { checkedBodyJson } from '../store/messages.js';
import { type Handler, userOf } from './context.js';

// Contract section 11: edit, delete and react. Each answers `change_ack` with the change's id (the chat's last
// when the action changed nothing); the members get `message_updated` from the store's script.

export const editMessage: Handler<'edit_message'> = async (ctx, conn, data) => {
  checkedBodyJson(data.body);
  const changeId = await ctx.messages.editMessage(userOf(conn), data.chat_id, data.message_id, data.body);
  return changeAck(data, changeId);
};

export const deleteMessage: Handler<'delete_message'> = async (ctx, conn, data) => {
  const changeId = await ctx.messages.deleteMessage(userOf(conn), data.chat_id, data.message_id);
  return changeAck(data, changeId);
};

export const react: Handler<'react'> = async (ctx, conn, data) => {
  if (data.emoji !== '' && !isOneEmoji(data.emoji)) {
    throw new AppError(
      'invalid_payload',
      `data.emoji: one emoji (a single grapheme of at most ${LIMITS.reactionMaxBytes} bytes), or "" to remove.`,
    );
  }
  const changeId = await ctx.messages.react(userOf(conn), data.chat_id, data.message_id, data.emoji);
  return changeAck(data, changeId);
};

function changeAck(data: { chat_id: string; message_id: number }, changeId: number) {
  return { type: 'change_ack', chat_id: data.chat_id, message_id: data.message_id, change_id: changeId };
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * An emoji as a reaction takes it: one grapheme that is a pictograph (with its modifiers, variation selector
 * or ZWJ sequence: 👍🏽, ❤️, 👨‍👩‍👧), a flag (two regional indicators, or a tag sequence: 🏴󠁧󠁢󠁳󠁣󠁴󠁿, which starts
 * with a pictograph), or a keycap (1️⃣). Letters, digits and lone indicators are not.
 */
const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2}$|[0-9#*]\uFE0F?\u20E3$)/u;

export function isOneEmoji(text: string): boolean {
  if (Buffer.byteLength(text) > LIMITS.reactionMaxBytes) return false;
  const iterator = graphemes.segment(text)[Symbol.iterator]();
  const first = iterator.next();
  if (first.done || first.value.segment !== text || !iterator.next().done) return false;
  return EMOJI.test(text);
}

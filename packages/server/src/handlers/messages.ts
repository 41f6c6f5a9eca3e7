import {
  type ActionDataOf,
  LIMITS,
  type MediaInfo,
  type MediaKind,
  type MediaMessageType,
  type Message,
  TIMINGS,
} from '@papo/protocol';
import { AppError } from '../errors.js';
import type { MessageExtras } from '../store/messages.js';
import { type Handler, type HandlerContext, RawReply, userOf } from './context.js';

export const sendMessage: Handler<'send_message'> = async (ctx, conn, data) => {
  const me = userOf(conn);
  let id: number;
  if (data.forward_of !== undefined) {
    id = await forward(ctx, me, data);
  } else if (data.type !== undefined && data.type !== 'text') {
    id = await sendMedia(ctx, me, data, data.type);
  } else {
    if (data.media_id !== undefined) {
      throw new AppError(
        'invalid_payload',
        'data.media_id: give the message’s type (image, video, audio, voice, file).',
      );
    }
    if (data.body === undefined) throw new AppError('invalid_payload', 'data.body: required (a text message).');
    // Only a reply or a mention takes the richer script: a plain text message pays for neither.
    const extras =
      data.reply_to !== undefined || data.mentions !== undefined
        ? { replyTo: data.reply_to, mentions: distinctMentions(data.mentions) }
        : undefined;
    id = await ctx.messages.send(me, data.chat_id, data.body, data.client_msg_id, extras);
  }
  // The hot path's one reply, written as text: no object to build and stringify per message.
  const clientMsgId = data.client_msg_id === undefined ? 'null' : JSON.stringify(data.client_msg_id);
  return new RawReply(
    'ack',
    `{"type":"ack","chat_id":${JSON.stringify(data.chat_id)},"client_msg_id":${clientMsgId},"server_msg_id":${id}`,
  );
};

/** Which upload kinds each media message takes (contract section 12): a file takes any upload. */
const KINDS_FOR: Record<MediaMessageType, readonly MediaKind[]> = {
  image: ['image'],
  video: ['video'],
  audio: ['audio'],
  voice: ['audio'],
  file: ['image', 'video', 'audio', 'file'],
};

/**
 * A media message: the upload is claimed for the chat first (its slot: the sender's own, within 24 h; the
 * chat joins the chats it went to), then the message is stored with the `media` the server read from the
 * bytes, never anything the client said about them. A claim whose send is refused leaves no reference: the
 * sweep finds the chat keeps none.
 */
async function sendMedia(
  ctx: HandlerContext,
  me: string,
  data: ActionDataOf<'send_message'>,
  type: MediaMessageType,
): Promise<number> {
  if (data.media_id === undefined)
    throw new AppError('invalid_payload', `data.media_id: required (a ${type} message).`);
  const media = await ctx.media.claim(me, data.media_id, data.chat_id, 'send');
  if (!KINDS_FOR[type].includes(media.kind)) {
    throw new AppError(
      'invalid_payload',
      `data.media_id: that upload is of kind ${media.kind}; a ${type} message takes ${KINDS_FOR[type].join(' or ')}.`,
    );
  }
  return ctx.messages.send(me, data.chat_id, data.body, data.client_msg_id, {
    replyTo: data.reply_to,
    mentions: distinctMentions(data.mentions),
    media: mediaOfMessage(type, media),
  });
}

/** A message's media as the store takes it: its type, and the claimed `media`, serialised once. */
function mediaOfMessage(type: MediaMessageType, media: MediaInfo): MessageExtras['media'] {
  return { msgType: type, mediaId: media.media_id, json: JSON.stringify(media) };
}

function distinctMentions(mentions: string[] | undefined): string[] | undefined {
  return mentions === undefined || mentions.length === 0 ? undefined : [...new Set(mentions)];
}

/**
 * A forward: the source is read first as the sender would read it (membership, a group's joined floor: the
 * read path, messages.page), in its own chat's slot, then a copy of its text is sent with `forwarded: true`
 * (never its sender, quote, mentions or reactions). It counts as a send. A forward carries no text of its own:
 * `body`, `reply_to` or `mentions` with `forward_of` are refused (send a message of one's own after it).
 */
async function forward(ctx: HandlerContext, me: string, data: ActionDataOf<'send_message'>): Promise<number> {
  const source = data.forward_of as { chat_id: string; message_id: number };
  if (
    data.body !== undefined ||
    data.reply_to !== undefined ||
    data.mentions !== undefined ||
    data.media_id !== undefined
  ) {
    throw new AppError(
      'invalid_payload',
      'data.forward_of: a forward carries the source’s body and media only (no body, media_id, reply_to or mentions with it).',
    );
  }
  const unreadable = async () => {
    // A repeat of a forward that was stored (its source deleted since) gets its first id, as any repeat.
    const first =
      data.client_msg_id === undefined ? undefined : await ctx.messages.repeatOf(me, data.chat_id, data.client_msg_id);
    if (first !== undefined) return first;
    throw new AppError(
      'invalid_payload',
      'data.forward_of: no such message that you can read (or it cannot be forwarded).',
    );
  };
  let page: Awaited<ReturnType<typeof ctx.messages.page>>;
  try {
    page = await ctx.messages.page(me, source.chat_id, 'after', source.message_id - 1, 1);
  } catch (err) {
    if (err instanceof AppError && (err.code === 'not_found' || err.code === 'forbidden')) return unreadable();
    throw err;
  }
  const raw = page.messages[0];
  const message = raw === undefined ? undefined : (JSON.parse(raw) as Message);
  if (!message || message.id !== source.message_id || message.msg_type === 'system' || message.deleted) {
    return unreadable();
  }
  if (message.media) {
    // The forwarder read the message, so they may pass its media on: claimed for the new chat as a forward.
    const media = await ctx.media.claim(me, message.media.media_id, data.chat_id, 'forward');
    return ctx.messages.send(me, data.chat_id, message.body, data.client_msg_id, {
      forwarded: true,
      media: mediaOfMessage(message.msg_type as MediaMessageType, media),
    });
  }
  if (message.body === undefined) return unreadable();
  return ctx.messages.send(me, data.chat_id, message.body, data.client_msg_id, { forwarded: true });
}

export const readReceipt: Handler<'read_receipt'> = async (ctx, conn, data) => {
  const me = userOf(conn);
  if (await ctx.chats.receipt(me, data.chat_id, data.message_id, 'read')) {
    // The read reached what was pushed to the user: the notification closes on their devices (section 13).
    ctx.push
      .queueRead(me, data.chat_id, data.message_id)
      .catch((err: Error) => ctx.log.warn({ chat: data.chat_id, err: err.message }, 'read push not queued'));
  }
  return undefined;
};

export const received: Handler<'received'> = async (ctx, conn, data) => {
  await ctx.chats.receipt(userOf(conn), data.chat_id, data.message_id, 'received');
  return undefined;
};

export const typing: Handler<'typing'> = async (ctx, conn, data) => {
  await ctx.chats.typing(userOf(conn), data.chat_id, data.is_typing, TIMINGS.typingTtlSeconds);
  // Remembered so that closing this connection says "stopped typing" there, and nowhere else.
  conn.noteTyping(data.chat_id, data.is_typing ? Date.now() + TIMINGS.typingTtlSeconds * 1000 : 0);
  return undefined;
};

/**
 * `sync`: the messages after `after_id`, forwarded as stored (no parse, no re-serialisation). With
 * `after_change_id`, also the messages changed since (`updates`, read after the page, so an update is never
 * older than the page's copy) and the chat's `change_id`.
 */
export const sync: Handler<'sync'> = async (ctx, conn, data) => {
  const { chat_id: chatId, after_id: afterId, limit } = data;
  const me = userOf(conn);
  const page = await ctx.messages.userPage(me, chatId, 'after', afterId, limit ?? LIMITS.syncLimitDefault);
  // Messages after after_id that the chat no longer keeps: say where the kept ones start.
  const gap = afterId + 1 < page.firstKeptId ? `,"first_available_id":${page.firstKeptId}` : '';
  let more = page.more;
  let changes = '';
  if (data.after_change_id !== undefined) {
    const updates = await ctx.messages.changesAfter(me, chatId, data.after_change_id, afterId);
    more ||= updates.more;
    changes = `,"updates":[${updates.messages.join(',')}],"change_id":${updates.changeId}${updates.reset ? ',"changes_reset":true' : ''}`;
  }
  return new RawReply(
    'history',
    `{"type":"history","chat_id":"${chatId}","messages":[${page.messages.join(',')}]${gap}${more ? ',"more":true' : ''}${changes}`,
  );
};

import { LIMITS, type MediaMessageType, TIMINGS } from '@papo/protocol';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { markKeys } from './chats.js';
import { createMessageChangeStore } from './message-changes.js';
import { queueMessagePush } from './push.js';
import { isCluster } from './redis.js';
import { checkReleasedMedia, countedSend, countHit, okOrThrow, rateLimited, type StoreContext } from './store.js';

export type MessagePage = {
  /** Each message as the JSON text stored in the chat's list: forwarded as is, never re-serialised. */
  messages: string[];
  /** The oldest id the chat's list still keeps. */
  firstKeptId: number;
  /** More messages follow the page in its direction (it stopped at its limit or its byte cap). */
  more: boolean;
};

type WellFormed = string & { isWellFormed(): boolean };

/** What a message adds to its text (contract section 11); a plain text message has none of these. */
export type MessageExtras = {
  /** The id of the message it answers, in the same chat. */
  replyTo?: number;
  /** Users it mentions: distinct; the store keeps the members only. */
  mentions?: string[];
  /** A copy of a message from another chat. */
  forwarded?: boolean;
  /** A media message (contract section 12): its type, and its `media` JSON as media-claim.lua gave it. */
  media?: { msgType: MediaMessageType; mediaId: string; json: string };
};

/**
 * A body as send and edit take it: well-formed, and within LIMITS.bodyMaxBytes as stored. Returns its JSON
 * string.
 */
export function checkedBodyJson(body: string): string {
  // A lone surrogate is not text, and JSON stores it as a 6-byte escape (issue 16: 4,096 of them made a
  // 24 KiB message). isWellFormed is one native pass over the body.
  if (!(body as WellFormed).isWellFormed()) {
    throw new AppError('invalid_payload', 'data.body: not well-formed text (a lone UTF-16 surrogate).');
  }
  const bodyJson = JSON.stringify(body);
  // Escapes make a body's stored bytes several times its characters: cap the bytes. A JSON string's bytes
  // are at most 3 per UTF-16 unit, so only a long one is measured (most are never counted at all).
  if (bodyJson.length * 3 > LIMITS.bodyMaxBytes && Buffer.byteLength(bodyJson) > LIMITS.bodyMaxBytes) {
    throw new AppError(
      'invalid_payload',
      `data.body: over ${LIMITS.bodyMaxBytes} bytes as stored (JSON, UTF-8); control characters count 6 each.`,
    );
  }
  return bodyJson;
}

/** Messages: the send path and history reads. */
export function createMessageStore(context: StoreContext, log: Logger) {
  const { redis, run, keys, config } = context;

  /** A send answered that the chat has members with push: queued for the push workers (store/push.ts). */
  function queuePush(chatId: string, messageId: number, push: unknown): void {
    if (Number(push) !== 1) return;
    queueMessagePush(context, chatId, messageId).catch((err: Error) =>
      log.warn({ chat: chatId, id: messageId, err: err.message }, 'push not queued'),
    );
  }

  const store = {
    /**
     * Stores and publishes a message; a repeated client_msg_id gets the first id and stores nothing. Only
     * stored messages count against the sender's rate limit. On a single Redis the count and the send are one
     * script (one round trip). On a Redis Cluster the counter is another slot than the chat's: the send is
     * counted first, and given back when the chat refuses it or finds it a repeat (a crash in between costs
     * the sender one unit of their window, never a message).
     * With `extras` (a reply, mentions, a forward) the send runs send-message-rich.lua, which checks them and
     * then runs the same send; without, nothing more is done than for any text.
     */
    async send(
      me: string,
      chatId: string,
      body: string | undefined,
      clientMsgId: string | undefined,
      extras?: MessageExtras,
    ): Promise<number> {
      // A media message's caption is optional; a text message always has a body (the handler checks).
      const bodyField = body === undefined ? '' : `,"body":${checkedBodyJson(body)}`;
      const rateKey = keys.rateMsg(me);
      // The message JSON is made here, around the id and time the script assigns, so Redis stores and
      // publishes exactly what clients receive, serialised once.
      const middle = `,"sender_id":${JSON.stringify(me)}${bodyField},"msg_type":"${extras?.media?.msgType ?? 'text'}"`;
      const tail = clientMsgId === undefined ? '' : `,"client_msg_id":${JSON.stringify(clientMsgId)}`;
      const sendKeys = [
        keys.chat(chatId),
        keys.members(chatId),
        keys.messages(chatId),
        clientMsgId === undefined ? keys.chat(chatId) : keys.clientMsgId(chatId, me, clientMsgId),
        ...markKeys(keys, chatId),
        keys.chatMedia(chatId),
        keys.chatMediaMessages(chatId),
      ];
      const sendArgs: (string | number)[] = [
        me,
        middle,
        tail,
        clientMsgId === undefined ? '0' : '1',
        config.messagesKeep,
        TIMINGS.idempotencyWindowSeconds,
        keys.chatChannel(chatId),
        `{"type":"message_created","chat_id":"${chatId}","message":`,
        chatId,
      ];

      if (extras) {
        // send-message-rich.lua: send-message.lua's keys and arguments, then its own.
        sendKeys.push(keys.quotes(chatId), keys.mentions(chatId), keys.joined(chatId));
        const counted = !isCluster(redis);
        sendKeys.push(counted ? rateKey : keys.chat(chatId));
        sendArgs.push(
          counted ? config.rateLimitMessages : 0,
          config.rateLimitWindowSeconds,
          extras.replyTo ?? 0,
          (extras.mentions ?? []).join(' '),
          extras.forwarded ? '1' : '0',
          LIMITS.replyPreviewMaxLength,
          extras.media?.json ?? '',
          extras.media?.mediaId ?? '',
        );
        const [id, , released, push] = await countedSend(
          run,
          'send-message-rich',
          sendKeys,
          sendArgs,
          rateKey,
          counted,
          config,
        );
        checkReleasedMedia(context, released);
        queuePush(chatId, Number(id), push);
        return Number(id);
      }

      if (!isCluster(redis)) {
        // send-message-counted.lua: send-message.lua's keys and arguments, then the counter's.
        sendKeys.push(rateKey);
        sendArgs.push(config.rateLimitMessages, config.rateLimitWindowSeconds);
        const reply = (await run('send-message-counted', sendKeys, sendArgs)) as unknown[];
        if (reply[0] === 'rate_limited') throw rateLimited('messages', Number(reply[1]));
        checkReleasedMedia(context, reply[3]);
        const id = Number(okOrThrow(reply)[0]);
        queuePush(chatId, id, reply[4]);
        return id;
      }

      await countHit(run, rateKey, config.rateLimitMessages, config.rateLimitWindowSeconds, 'messages');
      const reply = (await run('send-message', sendKeys, sendArgs).catch((err: Error) => {
        // Refused before it ran (a failover in progress): not a message, give the unit back.
        if (/^CLUSTERDOWN|isn't ready|Too many Cluster redirections/.test(err.message)) {
          run('uncount', [rateKey], []).catch(() => {});
        }
        throw err;
      })) as unknown[];
      if (reply[0] !== 'ok' || reply[2] === 1) {
        // Refused or a repeat: not a new message. (`internal`, past its deadline, changed nothing either.)
        run('uncount', [rateKey], []).catch(() => {});
      }
      checkReleasedMedia(context, reply[3]);
      const id = Number(okOrThrow(reply)[0]);
      queuePush(chatId, id, reply[4]);
      return id;
    },

    /**
     * Messages with id > afterId (oldest first), or the newest with id < beforeId (0: the newest): at most
     * `limit`, and no more than LIMITS.pageMaxBytes of them (always one at least).
     */
    async page(me: string, chatId: string, mode: 'after' | 'before', n: number, limit: number): Promise<MessagePage> {
      const [firstKeptId, messages, more] = okOrThrow(
        await run(
          'read-messages',
          [keys.chat(chatId), keys.members(chatId), keys.messages(chatId), keys.joined(chatId)],
          [me, mode, n, limit, LIMITS.pageMaxBytes],
        ),
      );
      return { messages: messages as string[], firstKeptId: Number(firstKeptId), more: more === 1 };
    },

    /**
     * A page read by a user (`sync`, HTTP history): `page`, counted against the user's read budget first
     * (rate_limited past it). A page refused (not a member) is given back, as a refused send is: it read
     * nothing. The server's own catch-up reads (fanout/hub.ts) call `page` and do not count.
     */
    async userPage(me: string, chatId: string, mode: 'after' | 'before', n: number, limit: number) {
      const budgetKey = keys.rateReads(me);
      await countHit(run, budgetKey, config.readPagesPerWindow, config.readWindowSeconds, 'history pages');
      try {
        return await store.page(me, chatId, mode, n, limit);
      } catch (err) {
        if (err instanceof AppError && err.code !== 'internal') run('uncount', [budgetKey], []).catch(() => {});
        throw err;
      }
    },

    /** The id a user's earlier send with this client_msg_id got in the chat (within the idempotency window). */
    async repeatOf(me: string, chatId: string, clientMsgId: string): Promise<number | undefined> {
      const first = await redis.get(keys.clientMsgId(chatId, me, clientMsgId));
      return first === null ? undefined : Number(first);
    },

    ...createMessageChangeStore(context),
  };
  return store;
}

export type MessageStore = ReturnType<typeof createMessageStore>;

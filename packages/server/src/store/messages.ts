import { TIMINGS } from '@papo/protocol';
import { okOrThrow, type StoreContext } from './store.js';

export type MessagePage = {
  /** Each message as the JSON text stored in the chat's list: forwarded as is, never re-serialised. */
  messages: string[];
  /** The oldest id the chat's list still keeps. */
  firstKeptId: number;
};

/** Messages: the send path and history reads. */
export function createMessageStore({ run, keys, config }: StoreContext) {
  return {
    /** Stores and publishes a message; a repeated client_msg_id gets the first id and stores nothing. */
    async send(me: string, chatId: string, body: string, clientMsgId: string | undefined): Promise<number> {
      // The message JSON is made here, around the id and time the script assigns, so Redis stores and
      // publishes exactly what clients receive, serialised once.
      const middle = `,"sender_id":${JSON.stringify(me)},"body":${JSON.stringify(body)},"msg_type":"text"`;
      const tail = clientMsgId === undefined ? '' : `,"client_msg_id":${JSON.stringify(clientMsgId)}`;
      const [id] = okOrThrow(
        await run(
          'send-message',
          [
            keys.chat(chatId),
            keys.members(chatId),
            keys.messages(chatId),
            clientMsgId === undefined ? keys.chat(chatId) : keys.clientMsgId(chatId, me, clientMsgId),
            keys.rateMsg(me),
            keys.reads(chatId),
          ],
          [
            me,
            middle,
            tail,
            clientMsgId === undefined ? '0' : '1',
            config.rateLimitMessages,
            config.rateLimitWindowSeconds,
            config.messagesKeep,
            TIMINGS.idempotencyWindowSeconds,
            keys.chatChannel(chatId),
            `{"type":"message_created","chat_id":"${chatId}","message":`,
          ],
        ),
      );
      return Number(id);
    },

    /** Messages with id > afterId (oldest first), or the newest with id < beforeId (0: the newest). */
    async page(me: string, chatId: string, mode: 'after' | 'before', n: number, limit: number): Promise<MessagePage> {
      const [firstKeptId, messages] = okOrThrow(
        await run(
          'read-messages',
          [keys.chat(chatId), keys.members(chatId), keys.messages(chatId)],
          [me, mode, n, limit],
        ),
      );
      return { messages: messages as string[], firstKeptId: Number(firstKeptId) };
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;

import { LIMITS } from '@papo/protocol';
import { isCluster } from './redis.js';
import { checkReleasedMedia, countedSend, okOrThrow, type StoreContext } from './store.js';

/** sync's `updates`: the messages changed after a change id, as stored. */
export type ChangesPage = {
  /** Each message as the JSON text stored in the chat's list. */
  messages: string[];
  /** The chat's last change id, or where the page stopped when `more`. */
  changeId: number;
  /** The changes after the one asked for are no longer all kept: the client refetches what it shows. */
  reset: boolean;
  /** The page stopped at its byte cap: ask again from `changeId`. */
  more: boolean;
};

/**
 * Message changes (contract section 11): edit, delete and react, each one script in the chat's slot
 * (message-changes-lib.lua), counted against the actor's message rate as a send is; and the changes since a
 * change id, for sync.
 */
export function createMessageChangeStore({ redis, run, keys, config }: StoreContext) {
  /** Runs a change script; resolves with the change id (the chat's last when it changed nothing). */
  async function change(
    script: 'edit-message' | 'delete-message' | 'react',
    me: string,
    chatId: string,
    messageId: number,
    args: (string | number)[],
    extraKeys: string[] = [],
  ): Promise<number> {
    const rateKey = keys.rateMsg(me);
    const countedHere = !isCluster(redis);
    const changeKeys = [
      keys.chat(chatId),
      keys.members(chatId),
      keys.messages(chatId),
      keys.changes(chatId),
      keys.joined(chatId),
      keys.roles(chatId),
      keys.systemIds(chatId),
      keys.quotes(chatId),
      countedHere ? rateKey : keys.chat(chatId),
      ...extraKeys,
    ];
    const changeArgs = [
      me,
      chatId,
      keys.chatChannel(chatId),
      config.changesKeep,
      messageId,
      countedHere ? config.rateLimitMessages : 0,
      config.rateLimitWindowSeconds,
      ...args,
    ];
    const [changeId, , released] = await countedSend(
      run,
      script,
      changeKeys,
      changeArgs,
      rateKey,
      countedHere,
      config,
      0,
    );
    checkReleasedMedia({ redis, keys }, released);
    return Number(changeId);
  }

  return {
    /** The body was checked (checkedBodyJson) by the caller. */
    editMessage(me: string, chatId: string, messageId: number, body: string): Promise<number> {
      return change('edit-message', me, chatId, messageId, [
        config.editWindowSeconds,
        body,
        LIMITS.replyPreviewMaxLength,
      ]);
    },

    deleteMessage(me: string, chatId: string, messageId: number): Promise<number> {
      return change(
        'delete-message',
        me,
        chatId,
        messageId,
        [config.deleteWindowSeconds],
        [keys.mentions(chatId), keys.chatMedia(chatId), keys.chatMediaMessages(chatId)],
      );
    },

    /** `emoji`: one emoji (checked by the caller), or '' to remove the user's reaction. */
    react(me: string, chatId: string, messageId: number, emoji: string): Promise<number> {
      return change('react', me, chatId, messageId, [emoji]);
    },

    /** The messages with id ≤ afterId changed after `afterChangeId` (read-changes.lua). */
    async changesAfter(me: string, chatId: string, afterChangeId: number, afterId: number): Promise<ChangesPage> {
      const [changeId, reset, more, messages] = okOrThrow(
        await run(
          'read-changes',
          [keys.chat(chatId), keys.members(chatId), keys.messages(chatId), keys.changes(chatId), keys.joined(chatId)],
          [me, afterChangeId, afterId, LIMITS.pageMaxBytes],
        ),
      );
      return { messages: messages as string[], changeId: Number(changeId), reset: reset === 1, more: more === 1 };
    },
  };
}

import { type MessageReceipts, TIMINGS } from '@papo/protocol';
import { createBlockStore } from './blocks.js';
import { createChatLists } from './chat-lists.js';
import { createChatPlaces } from './chat-places.js';
import { newChatId } from './ids.js';
import type { Keys } from './keys.js';
import { countHit, okOrThrow, type StoreContext } from './store.js';

/**
 * Chats: creation, membership, per-member state, and the summaries the HTTP routes list (chat-lists.ts).
 *
 * A chat's own keys live in its slot; a user's chat list and the rate counters each in another. So creating,
 * joining and leaving are steps (one script or command each, never across slots), ordered so that a crash
 * between two leaves nothing a user can trip on and a retry of the same action finishes the job:
 * - limits first: the rate counters (count.lua), then a place in each user's list (reserve-chat.lua, so that
 *   MAX_CHATS_PER_USER holds exactly under concurrency); a later refusal gives them back, and a place left by
 *   a crash expires by itself (PLACE_HELD_MS);
 * - the chat's side next (record, members, chat events), then the user's list (user-chat.lua, which also
 *   tells the user's connections and takes the place); a member missing from their own list is put back by
 *   the next join;
 * - a DM is claimed by its pair key (SET NX) before the chat is made, so two racing calls get one chat, and
 *   every call re-runs the idempotent steps after the claim: a DM half-made by a crash is finished by the next
 *   call;
 * - a public chat is listed in chats:public last: until then nobody else can find it;
 * - a DM is refused while a block stands either way, and once its chat is made the pair's blocks are
 *   mirrored into it (blocks.ts), so a block made while the DM was being made still holds.
 */
export function createChatStore(context: StoreContext) {
  const { redis, run, keys, config } = context;
  const { reserve, release, listChat, attachFrame, detachFrame } = createChatPlaces(context);
  const blocks = createBlockStore(context);

  /** Counts a new chat against the creator's limit; throws rate_limited past it. */
  function countNewChat(me: string): Promise<void> {
    return countHit(run, keys.rateChats(me), config.chatsPerHour, 3600, 'new chats');
  }

  /** Counts a join or leave (each tells every member); throws rate_limited past the limit. */
  function countMembershipChange(me: string): Promise<void> {
    return countHit(run, keys.rateMembership(me), config.membershipChangesPerHour, 3600, 'joins and leaves');
  }

  /** Gives back a hit that turned out not to count; a failure only costs the user one unit of their window. */
  function uncount(counterKey: string): void {
    run('uncount', [counterKey], []).catch(() => {});
  }

  /** A place in both users' lists, or neither. */
  async function reserveBoth(me: string, peer: string, chatId: string): Promise<void> {
    const [mine, theirs] = await Promise.allSettled([reserve(me, chatId, 'own'), reserve(peer, chatId, 'peer')]);
    if (mine.status === 'fulfilled' && theirs.status === 'fulfilled') return;
    release(me, chatId);
    release(peer, chatId);
    throw mine.status === 'rejected' ? mine.reason : (theirs as PromiseRejectedResult).reason;
  }

  return {
    ...createChatLists(context),

    /** The one DM of a pair, created if missing; `created` tells whether this call made it. */
    async createDm(me: string, peer: string, connId: string): Promise<{ chatId: string; created: boolean }> {
      if ((await redis.exists(keys.user(peer))) === 0) okOrThrow(['not_found']);
      const refusal = await blocks.dmRefusal(me, peer);
      if (refusal) throw refusal;
      const pairKey = keys.dm(me, peer);
      let chatId = await redis.get(pairKey);
      let created = false;
      if (chatId === null) {
        const fresh = newChatId();
        await reserveBoth(me, peer, fresh);
        try {
          await countNewChat(me);
        } catch (err) {
          release(me, fresh);
          release(peer, fresh);
          throw err;
        }
        chatId = await redis.set(pairKey, fresh, 'NX', 'GET');
        if (chatId === null) {
          chatId = fresh;
          created = true;
        } else {
          // Another call claimed the pair first: this one created nothing.
          uncount(keys.rateChats(me));
          release(me, fresh);
          release(peer, fresh);
          await reserveBoth(me, peer, chatId);
        }
      } else {
        // Listed by both already (the usual case) this holds nothing; a DM a crash cut short needs its places.
        await reserveBoth(me, peer, chatId);
      }
      const dm = chatId;
      try {
        const [, lastId] = okOrThrow(
          await run(
            'create-chat',
            [keys.chat(dm), keys.members(dm), keys.readMarks(dm), keys.receivedMarks(dm)],
            ['dm', '', me, me, peer],
          ),
        ) as [unknown, number];
        // Read once the chat exists: a block whose own mirror found no chat yet is mirrored now, and any call
        // repairs a mirror a crash left out (two reads when neither ever blocked the other).
        await blocks.mirrorIntoDm(me, peer, dm);
        const dmReady = (peerOf: string) => JSON.stringify({ type: 'dm_ready', chat_id: dm, peer_user_id: peerOf });
        await Promise.all([
          listChat(me, '+', dm, attachFrame(dm, Number(lastId), dmReady(peer), connId)),
          listChat(peer, '+', dm, attachFrame(dm, Number(lastId), dmReady(me))),
        ]);
      } catch (err) {
        release(me, dm);
        release(peer, dm);
        throw err;
      }
      return { chatId: dm, created };
    },

    async createPublicChat(me: string, title: string, connId: string): Promise<string> {
      const chatId = newChatId();
      await reserve(me, chatId, 'own');
      try {
        await countNewChat(me);
        okOrThrow(
          await run(
            'create-chat',
            [keys.chat(chatId), keys.members(chatId), keys.readMarks(chatId), keys.receivedMarks(chatId)],
            ['public', title, me, me, ''],
          ),
        );
        const event = JSON.stringify({ type: 'chat_created', chat_id: chatId, title, kind: 'public' });
        await listChat(me, '+', chatId, attachFrame(chatId, 0, event, connId));
      } catch (err) {
        release(me, chatId);
        throw err;
      }
      await run('list-public-chat', [keys.publicChats, keys.publicChatsIndex], [chatId]);
      return chatId;
    },

    /** Join a public chat; returns whether the user was added and the chat's last id at that moment. */
    async joinChat(me: string, chatId: string, connId: string): Promise<{ added: boolean; lastId: number }> {
      await countMembershipChange(me);
      let reply: unknown[];
      try {
        await reserve(me, chatId, 'own');
        reply = okOrThrow(
          await run(
            'join-chat',
            [keys.chat(chatId), keys.members(chatId), keys.reads(chatId)],
            [
              me,
              keys.chatChannel(chatId),
              JSON.stringify({ type: 'chat_member_added', chat_id: chatId, user_id: me }),
              config.maxPublicChatMembers,
            ],
          ),
        );
      } catch (err) {
        release(me, chatId);
        uncount(keys.rateMembership(me));
        throw err;
      }
      const [added, lastId] = reply;
      // A repeated join tells nobody: not a change.
      if (added !== 1) uncount(keys.rateMembership(me));
      const event = JSON.stringify({ type: 'joined', chat_id: chatId });
      await listChat(me, '+', chatId, attachFrame(chatId, Number(lastId), event, connId));
      return { added: added === 1, lastId: Number(lastId) };
    },

    async leaveChat(me: string, chatId: string, connId: string): Promise<void> {
      await countMembershipChange(me);
      let removed: unknown;
      try {
        [removed] = okOrThrow(
          await run(
            'leave-chat',
            [keys.chat(chatId), keys.members(chatId), keys.typing(chatId, me)],
            [
              me,
              keys.chatChannel(chatId),
              JSON.stringify({ type: 'chat_member_removed', chat_id: chatId, user_id: me, by: me }),
            ],
          ),
        );
      } catch (err) {
        uncount(keys.rateMembership(me));
        throw err;
      }
      if (removed !== 1) uncount(keys.rateMembership(me));
      const unlisted = await listChat(
        me,
        '-',
        chatId,
        detachFrame(chatId, JSON.stringify({ type: 'left', chat_id: chatId }), connId),
      );
      // Not a member, unless a leave cut short left the chat in the user's list (just removed).
      if (removed !== 1 && unlisted !== 1) okOrThrow(['forbidden']);
    },

    async muteChat(me: string, chatId: string, until: number, connId: string): Promise<void> {
      okOrThrow(await run('mute-chat', [keys.chat(chatId), keys.members(chatId), keys.mute(chatId)], [me, until]));
      // The user's other connections learn of it (the calling one gets the reply).
      const event = JSON.stringify({ type: 'chat_muted', chat_id: chatId, until });
      await redis.spublish(keys.userChannel(me), `u!${connId}\n${event}`);
    },

    async typing(me: string, chatId: string, isTyping: boolean, ttlSeconds: number): Promise<void> {
      okOrThrow(
        await run(
          'typing',
          [keys.chat(chatId), keys.members(chatId), keys.typing(chatId, me), keys.typingSent(chatId, me)],
          [
            me,
            isTyping ? '1' : '0',
            ttlSeconds,
            keys.chatChannel(chatId),
            JSON.stringify({ type: 'typing', chat_id: chatId, user_id: me, is_typing: isTyping }),
            TIMINGS.typingRepeatMs,
          ],
        ),
      );
    },

    /**
     * A member's device has the chat up to a message (`received`), or the member read it up to there
     * (`read_receipt`, which raises the received mark too). True when the read reached a message pushed to
     * the user: the chat's notification is to be closed on their devices.
     */
    async receipt(me: string, chatId: string, messageId: number, kind: 'received' | 'read'): Promise<boolean> {
      const args = [me, messageId, chatId, keys.chatChannel(chatId), kind, config.receiptsFanoutMaxMembers];
      const [, close] = okOrThrow(
        await run('receipt', [...receiptKeys(keys, chatId), keys.chatPush(chatId)], args),
      ) as [number, number];
      return Number(close) === 1;
    },

    /**
     * Message info: who read and received a message, and when (GET …/messages/:id/receipts). Up to a group's
     * members: a history page's worth of work against the read budget.
     */
    async messageReceipts(me: string, chatId: string, messageId: number): Promise<MessageReceipts> {
      await countHit(run, keys.rateReads(me), config.readPagesPerWindow, config.readWindowSeconds, 'reads');
      const [createdAt, read, delivered, pending] = okOrThrow(
        await run(
          'message-receipts',
          [
            keys.chat(chatId),
            keys.members(chatId),
            keys.roles(chatId),
            keys.joined(chatId),
            keys.messages(chatId),
            keys.reads(chatId),
            keys.received(chatId),
            keys.readTimes(chatId),
            keys.receivedTimes(chatId),
          ],
          [me, messageId],
        ),
      ) as [number, string[], string[], string[]];
      // A time no longer kept is shown as the message's own (never before it was sent).
      const entries = (flat: string[]) => {
        const out: { user_id: string; at: number }[] = [];
        for (let i = 0; i < flat.length; i += 2) {
          out.push({ user_id: flat[i]!, at: Math.max(Number(flat[i + 1]), Number(createdAt)) });
        }
        return out.sort((a, b) => a.at - b.at || (a.user_id < b.user_id ? -1 : 1));
      };
      return { read: entries(read), delivered: entries(delivered), pending: [...pending].sort() };
    },
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;

/** The receipt keys of a chat, in the order receipt_keys (lib.lua) reads them. */
export function receiptKeys(keys: Keys, chatId: string): string[] {
  return [keys.chat(chatId), keys.members(chatId), ...markKeys(keys, chatId)];
}

/** A chat's marks: what a receipt raises, and a send raises for its sender (send-message.lua's last keys). */
export function markKeys(keys: Keys, chatId: string): string[] {
  return [
    keys.reads(chatId),
    keys.received(chatId),
    keys.readMarks(chatId),
    keys.receivedMarks(chatId),
    keys.readTimes(chatId),
    keys.receivedTimes(chatId),
  ];
}

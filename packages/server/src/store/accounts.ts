import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { runGroupRemove } from './groups.js';
import type { SessionStore } from './sessions.js';
import type { StoreContext } from './store.js';

/** Accounts looked at per sweep: the rest wait for the next one. */
const SWEEP_BATCH = 100;

/**
 * Temporary accounts are deleted once no session of theirs has lived for `TEMP_ACCOUNT_TTL_DAYS`, with what
 * only they held: their profile, chat list, sessions list and last-seen; their membership of public chats and
 * groups (the members are told, as when someone leaves; a group they owned passes to its oldest admin or member); a public chat or DM nobody is left in. Their messages in others'
 * chats stay (others' history), as in a DM with someone whose account is gone: the DM keeps both ids.
 *
 * `accounts:temporary` lists them by the time they may go (the last session's expiry + the grace); a sweep in
 * one worker at a time (a lock in Redis) takes the due ones. Each deletion is steps across slots, each safe to
 * repeat, and the account leaves the list last: a sweep cut short is finished by the next.
 */
export function createAccountSweeper(context: StoreContext, sessions: SessionStore, log: Logger) {
  const { redis, run, keys, config } = context;
  const graceMs = config.tempAccountTtlDays * 86_400_000;

  /** The account leaves one chat; a chat it leaves empty (a public chat, or a DM whose peer is gone too) goes. */
  async function leave(userId: string, chatId: string): Promise<void> {
    // A group keeps an owner (the oldest admin or member takes over) and stays, even empty, for its history.
    if ((await redis.hget(keys.chat(chatId), 'kind')) === 'group') {
      await runGroupRemove(context, userId, chatId, userId, 'leave');
      return;
    }
    const event = JSON.stringify({ type: 'chat_member_removed', chat_id: chatId, user_id: userId });
    const [kind, left] = (await run(
      'forget-member',
      [
        keys.chat(chatId),
        keys.members(chatId),
        keys.reads(chatId),
        keys.mute(chatId),
        keys.typing(chatId, userId),
        keys.received(chatId),
      ],
      [userId, keys.chatChannel(chatId), event],
    )) as [string, number];
    let drop = kind === 'public' && Number(left) === 0;
    let pair: string | undefined;
    if (kind === 'dm') {
      const peer = (await redis.smembers(keys.members(chatId))).find((member) => member !== userId);
      drop = !peer || (await redis.exists(keys.user(peer))) === 0;
      if (peer) pair = keys.dm(userId, peer);
    }
    if (!drop) return;
    const chatKeys = [
      keys.chat(chatId),
      keys.members(chatId),
      keys.messages(chatId),
      keys.reads(chatId),
      keys.mute(chatId),
      keys.received(chatId),
      keys.readMarks(chatId),
      keys.receivedMarks(chatId),
      keys.readTimes(chatId),
      keys.receivedTimes(chatId),
      keys.changes(chatId),
      keys.quotes(chatId),
      keys.mentions(chatId),
      keys.chatMedia(chatId),
      keys.chatMediaMessages(chatId),
      keys.chatPush(chatId),
      keys.chatPushDone(chatId),
    ];
    if ((await run('drop-chat', chatKeys, [])) !== 1) return;
    if (kind === 'public') {
      await redis.srem(keys.publicChats, chatId);
      await redis.zrem(keys.publicChatsIndex, chatId);
    }
    if (pair) await redis.del(pair);
  }

  async function remove(userId: string): Promise<void> {
    const chats = await redis.smembers(keys.userChats(userId));
    for (const chatId of chats) await leave(userId, chatId);
    // One key per command: on a Redis Cluster they live in different slots.
    const userKeys = [
      keys.userChats,
      keys.userChatsIndex,
      keys.userChatsPending,
      keys.user,
      keys.lastSeen,
      keys.userSessions,
      keys.rateMsg,
      keys.rateChats,
      keys.rateMembership,
      keys.rateReads,
      // Their blocks go with them: mirrors left in others' blocked_by name a user nobody can be any more.
      keys.blocks,
      keys.blockMarks,
      keys.blockedBy,
      keys.rateBlocks,
      keys.pushSubs,
      keys.presenceHidden,
      keys.ratePushSubscribe,
    ];
    const devices = await redis.hlen(keys.pushSubs(userId));
    await Promise.all(userKeys.map((key) => redis.del(key(userId))));
    if (devices > 0) await redis.decrby(keys.pushSubscriptionCount, devices);
    await redis.srem(keys.onlineUsers, userId);
    await redis.zrem(keys.temporaryAccounts, userId);
  }

  return {
    /** Deletes the temporary accounts that are due (a batch); resolves with how many went. */
    async sweep(): Promise<number> {
      if (graceMs <= 0) return 0;
      const owner = randomBytes(6).toString('hex');
      const lockMs = Math.max(60_000, config.accountSweepIntervalMs);
      if ((await redis.set(keys.accountSweepLock, owner, 'PX', lockMs, 'NX')) !== 'OK') return 0;
      let removed = 0;
      try {
        const due = await redis.zrangebyscore(keys.temporaryAccounts, '-inf', Date.now(), 'LIMIT', 0, SWEEP_BATCH);
        for (const userId of due) {
          // A session refreshed since it was listed keeps the account (and moves its date).
          if (await sessions.hasLive(userId)) {
            const expiry = Number(
              (await redis.zrange(keys.userSessions(userId), -1, -1, 'WITHSCORES'))[1] ?? Date.now(),
            );
            await redis.zadd(keys.temporaryAccounts, 'XX', expiry + graceMs, userId);
            continue;
          }
          await remove(userId);
          removed++;
        }
      } finally {
        if ((await redis.get(keys.accountSweepLock)) === owner) await redis.del(keys.accountSweepLock);
      }
      if (removed > 0) log.info({ accounts: removed }, 'temporary accounts without a session deleted');
      return removed;
    },
  };
}

export type AccountSweeper = ReturnType<typeof createAccountSweeper>;

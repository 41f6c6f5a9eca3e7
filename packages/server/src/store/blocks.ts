import { LIMITS, type UserProfile } from '@papo/protocol';
import { AppError } from '../errors.js';
import type { Keys } from './keys.js';
import { countHit, okOrThrow, type ReadCommand, readAll, type StoreContext } from './store.js';

/**
 * The reads that give the users hidden from `viewer` (those they blocked, and those who blocked them), to go
 * in a pipeline (readAll) beside a route's own reads; `hiddenIn` reads their two replies.
 */
export function hiddenReads(keys: Keys, viewer: string): ReadCommand[] {
  return [
    ['smembers', keys.blocks(viewer)],
    ['hgetall', keys.blockedBy(viewer)],
  ];
}

/** The users hidden from a viewer, from the replies of `hiddenReads` (in its order). */
export function hiddenIn(blocked: unknown, blockedBy: unknown): Set<string> {
  const hidden = new Set(blocked as string[]);
  // ioredis answers HGETALL as an object; a pipeline's raw reply may be the flat array.
  const marks = Array.isArray(blockedBy)
    ? Object.fromEntries(
        (blockedBy as string[]).flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1] as string]] : [])),
      )
    : ((blockedBy ?? {}) as Record<string, string>);
  for (const [user, mark] of Object.entries(marks)) if (Number(mark) > 0) hidden.add(user);
  return hidden;
}

/**
 * Blocking (contract section 9). `blocks:{user}` is the contract's set, in the blocker's slot; what the
 * other checks need lives where they run, kept as mirrors:
 * - `blocked_by:{blocks:{peer}}`, in the blocked user's slot: who blocked them, so a connection's hidden users
 *   (hidden-users.lua) and the HTTP reads of presence are one read of the viewer's own slot;
 * - the DM's chat hash (`blocked`, `block:<user>`): send-message.lua refuses with one HGET of its own slot.
 * A change is steps, one script each (block-set.lua, block-peer.lua, dm-block.lua), then a user frame on both
 * users' channels that makes their connections read their hidden users again. Each mirror keeps the newest of
 * the blocker's marks (numbered in block-set.lua), so racing calls end agreeing with blocks:{user}, and every
 * call re-runs every step: a change cut short by a crash is finished by its retry (the client was answered
 * `internal`). A DM made while a block is being mirrored is caught by the DM's creation, which mirrors the
 * marks after making the chat (`mirrorIntoDm`): each side writes its own key before it reads the other's.
 */
export function createBlockStore({ redis, run, keys, config }: StoreContext) {
  /**
   * Both users' connections read their hidden users again (hub.ts, the `h` field of a user frame); after a
   * block they hide each other at once, before that read (`h+<user>`). The blocker's connections are also
   * told `blocks_changed`.
   */
  async function tellBoth(me: string, peer: string, op: '+' | '-'): Promise<void> {
    const frame = (other: string) => (op === '+' ? `uh+${other}\n` : 'uh\n');
    // The blocker's devices also learn of it (their block lists); the one blocked is told nothing.
    const news = JSON.stringify({ type: 'blocks_changed', user_id: peer, blocked: op === '+' });
    await Promise.all([
      redis.spublish(keys.userChannel(me), `${frame(peer)}${news}`),
      redis.spublish(keys.userChannel(peer), frame(me)),
    ]);
  }

  async function change(me: string, peer: string, op: '+' | '-'): Promise<void> {
    const rateKey = keys.rateBlocks(me);
    await countHit(run, rateKey, config.blocksPerHour, 3600, 'blocks and unblocks');
    let mark: number;
    try {
      [, mark] = okOrThrow(
        await run('block-set', [keys.blocks(me), keys.blockMarks(me)], [op, peer, LIMITS.blocksMax]),
      ).map(Number) as [number, number];
    } catch (err) {
      // Refused (the cap): it changed nothing, so it does not count. (`internal` may have run: it counts.)
      if (err instanceof AppError && err.code !== 'internal') run('uncount', [rateKey], []).catch(() => {});
      throw err;
    }
    if (mark === 0) return; // an unblock of someone never blocked: nothing anywhere to change
    await run('block-peer', [keys.blockedBy(peer)], [me, mark]);
    const dm = await redis.get(keys.dm(me, peer));
    if (dm !== null) await run('dm-block', [keys.chat(dm), keys.members(dm)], [me, mark]);
    await tellBoth(me, peer, op);
  }

  return {
    /** POST /api/blocks. Blocking oneself is invalid_payload, an unknown user not_found, a repeat no error. */
    async block(me: string, peer: string): Promise<void> {
      if (peer === me) throw new AppError('invalid_payload', 'user_id: one cannot block oneself.');
      if ((await redis.exists(keys.user(peer))) === 0) throw new AppError('not_found', 'No such user.');
      await change(me, peer, '+');
    },

    /** DELETE /api/blocks/:user_id: no error when the user was not blocked (or no longer exists). */
    async unblock(me: string, peer: string): Promise<void> {
      if (peer === me) return;
      await change(me, peer, '-');
    },

    /** GET /api/blocks: the blocked users' profiles; an account deleted since is left out. */
    async list(me: string): Promise<UserProfile[]> {
      const ids = (await redis.smembers(keys.blocks(me))).sort();
      const rows = await readAll(
        redis,
        ids.map((id) => ['hmget', keys.user(id), 'username', 'avatar_url']),
      );
      const users: UserProfile[] = [];
      ids.forEach((id, i) => {
        const [username, avatarUrl] = rows[i] as (string | null)[];
        if (username !== null && username !== undefined) {
          users.push({ user_id: id, username, avatar_url: avatarUrl ?? '' });
        }
      });
      return users;
    },

    /** The users hidden from `userId` (blocked by them, or who blocked them): one script in their slot. */
    async hiddenFrom(userId: string): Promise<string[]> {
      return (await run('hidden-users', [keys.blocks(userId), keys.blockedBy(userId)], [])) as string[];
    },

    /**
     * create_dm's refusal while a block stands either way (WhatsApp: the blocked cannot write, and the blocker
     * unblocks first), or undefined. A read before the DM is made; a block made meanwhile is mirrored by
     * `mirrorIntoDm`.
     */
    async dmRefusal(me: string, peer: string): Promise<AppError | undefined> {
      const [mine, theirs] = await readAll(redis, [
        ['sismember', keys.blocks(me), peer],
        ['sismember', keys.blocks(peer), me],
      ]);
      if (mine === 1) return new AppError('forbidden', 'You blocked this user: unblock them to message them.');
      if (theirs === 1) return new AppError('forbidden', 'You cannot message this user.');
      return undefined;
    },

    /**
     * After a DM's chat is made: mirrors the marks of both members (none, the usual case, costs the two reads
     * only). Reads after the chat exists, so a block whose own mirror found no chat yet is seen here.
     */
    async mirrorIntoDm(a: string, b: string, chatId: string): Promise<void> {
      const [markA, markB] = await readAll(redis, [
        ['hget', keys.blockMarks(a), b],
        ['hget', keys.blockMarks(b), a],
      ]);
      const args: (string | number)[] = [];
      if (markA) args.push(a, Number(markA));
      if (markB) args.push(b, Number(markB));
      if (args.length > 0) await run('dm-block', [keys.chat(chatId), keys.members(chatId)], args);
    },
  };
}

export type BlockStore = ReturnType<typeof createBlockStore>;

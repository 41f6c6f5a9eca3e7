import { AppError } from '../errors.js';
import { enrolListed } from './push.js';
import { okOrThrow, type StoreContext } from './store.js';

/**
 * How long a place held in a user's chat list (reserve-chat.lua) outlives a caller that died before listing
 * the chat: each step has REDIS_COMMAND_TIMEOUT_MS at most, so this is ample; a stale place only keeps a user
 * at the cap from one more chat for this long.
 */
const PLACE_HELD_MS = 60_000;

/** At most this many rounds to bring a user's list in line with a chat's members (chatPlaces.settle). */
const SETTLE_ROUNDS = 5;

/**
 * A user's chat list (user_chats, its own slot) beside a chat's members (the chat's slot): the steps that
 * keep the two in agreement, shared by DMs, public chats (chats.ts) and groups (groups.ts).
 */
export function createChatPlaces(context: StoreContext) {
  const { redis, run, keys, config } = context;
  /** Holds a place for the chat in the user's list; throws forbidden when the list is full. */
  async function reserve(userId: string, chatId: string, whose: 'own' | 'peer'): Promise<void> {
    const reply = await run(
      'reserve-chat',
      [keys.userChats(userId), keys.userChatsPending(userId)],
      [chatId, config.maxChatsPerUser, PLACE_HELD_MS],
    );
    if (whose === 'peer' && Array.isArray(reply) && reply[0] === 'forbidden') {
      throw new AppError('forbidden', 'This user’s chat list is full; they cannot be in a new chat.');
    }
    okOrThrow(reply);
  }

  /** Gives back a place held by `reserve` (best effort: an unused place expires by itself). */
  function release(userId: string, chatId: string): void {
    redis.zrem(keys.userChatsPending(userId), chatId).catch(() => {});
  }

  /**
   * Adds or removes the chat in the user's list; an added one attaches their connections (but `skipConn`). The
   * chat's push list follows (in the background: it is not part of the change's answer).
   */
  async function listChat(userId: string, op: '+' | '-', chatId: string, frame: string): Promise<number> {
    const listed = Number(
      await run(
        'user-chat',
        [keys.userChats(userId), keys.userChatsPending(userId), keys.userChatsIndex(userId)],
        [op, chatId, keys.userChannel(userId), frame],
      ),
    );
    enrolListed(context, userId, chatId, op).catch(() => {});
    return listed;
  }

  /** The user frame that attaches a user's connections to a chat and tells them `event`. */
  function attachFrame(chatId: string, lastId: number, event: string, skipConn?: string): string {
    return `u+${chatId}@${lastId}${skipConn ? ` !${skipConn}` : ''}\n${event}`;
  }

  /** The user frame that detaches a user's connections from a chat and tells them `event`. */
  function detachFrame(chatId: string, event: string, skipConn?: string): string {
    return `u-${chatId}${skipConn ? ` !${skipConn}` : ''}\n${event}`;
  }

  /**
   * Brings the user's list in line with the chat's members after a change of membership: lists or unlists
   * the chat as the members set says, then reads the set again, until it holds still. Two changes of one
   * user's membership racing from two servers (added here, removed there) may reach the user's list in the
   * other order; whichever settles last reads the final members set, so the list ends agreeing with it.
   * Returns whether the user is a member.
   */
  async function settle(userId: string, chatId: string, frames: { added: string; removed: string }): Promise<boolean> {
    let member = (await redis.sismember(keys.members(chatId), userId)) === 1;
    for (let round = 0; round < SETTLE_ROUNDS; round++) {
      await listChat(userId, member ? '+' : '-', chatId, member ? frames.added : frames.removed);
      const now = (await redis.sismember(keys.members(chatId), userId)) === 1;
      if (now === member) break;
      member = now;
    }
    return member;
  }

  return { reserve, release, listChat, attachFrame, detachFrame, settle };
}

export type ChatPlaces = ReturnType<typeof createChatPlaces>;

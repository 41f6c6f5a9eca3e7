import { type Contact, LIMITS } from '@papo/protocol';
import { hiddenIn, hiddenReads } from './blocks.js';
import type { Page } from './chat-lists.js';
import { countHit, type ReadCommand, readAll, type StoreContext } from './store.js';

/**
 * Users as contacts (profile, about line, presence), in the order given, as `viewer` may see them: offline and
 * no last seen between the viewer and someone either blocked (contract section 9). A user whose account is
 * gone (a temporary account swept) is left out: nobody to write to. Three reads each and the viewer's two
 * (blocks.ts hiddenReads), pipelined.
 */
export async function readContacts(
  { redis, keys }: Pick<StoreContext, 'redis' | 'keys'>,
  ids: string[],
  viewer: string,
): Promise<Contact[]> {
  const [blocked, blockedBy, ...rows] = await readAll(redis, [
    ...hiddenReads(keys, viewer),
    ...ids.flatMap((id): ReadCommand[] => [
      ['hmget', keys.user(id), 'username', 'avatar_url', 'about'],
      ['sismember', keys.onlineUsers, id],
      ['get', keys.lastSeen(id)],
    ]),
  ]);
  const hidden = hiddenIn(blocked, blockedBy);
  const users: Contact[] = [];
  ids.forEach((id, i) => {
    const [username, avatarUrl, about] = rows[i * 3] as (string | null)[];
    if (username === null || username === undefined) return;
    const lastSeen = rows[i * 3 + 2] as string | null;
    const seen = !hidden.has(id);
    users.push({
      user_id: id,
      username,
      avatar_url: avatarUrl || null,
      about: about || null,
      online: seen && rows[i * 3 + 1] === 1,
      last_seen: seen && lastSeen ? Number(lastSeen) : null,
    });
  });
  return users;
}

/**
 * A page of contacts reads up to LIMITS.contactsMembersBudget memberships, some ten times a history page's
 * work: it counts as that many pages against the caller's read budget (READ_PAGES_PER_WINDOW).
 */
const CONTACTS_PAGE_READS = 10;

/**
 * GET /api/contacts: the people who share a chat with the caller. Nothing indexes them, so each request
 * gathers them from the caller's chats, with its work bounded whatever those chats are:
 * - one SCARD per chat of the caller (at most MAX_CHATS_PER_USER);
 * - the members of chats of at most LIMITS.contactsChatMaxMembers, the smallest first (DMs, then small
 *   groups), while the memberships read stay within LIMITS.contactsMembersBudget; a bigger chat (a large
 *   public chat) makes nobody a contact, and would let anyone list thousands of users by joining it;
 * - then the page's own users only: three reads each.
 * Pages follow the users' ids (the cursor is the last id of the previous page), so a walk lists each person
 * who shared a chat with the caller throughout it once, whatever joins and leaves meanwhile. The reads span
 * slots (every chat in its own), so they are pipelined reads, not one script.
 */
export function createContactList({ redis, run, keys, config }: StoreContext) {
  /** The ids of everyone in the caller's chats that count, within the budget, but the caller. */
  async function contactIds(me: string): Promise<string[]> {
    const chatIds = await redis.smembers(keys.userChats(me));
    const sizes = await readAll(
      redis,
      chatIds.map((id) => ['scard', keys.members(id)]),
    );
    const eligible = chatIds
      .map((id, i) => ({ id, size: Number(sizes[i] ?? 0) }))
      .filter((chat) => chat.size > 0 && chat.size <= LIMITS.contactsChatMaxMembers)
      .sort((a, b) => a.size - b.size || (a.id < b.id ? -1 : 1));
    const read: string[] = [];
    let budget = LIMITS.contactsMembersBudget;
    for (const chat of eligible) {
      // Sorted by size: once one does not fit, none after it does.
      if (chat.size > budget) break;
      budget -= chat.size;
      read.push(chat.id);
    }
    const memberLists = (await readAll(
      redis,
      read.map((id) => ['smembers', keys.members(id)]),
    )) as string[][];
    const ids = new Set(memberLists.flat());
    ids.delete(me);
    return [...ids].sort();
  }

  return {
    /** A page of the caller's contacts, in user id order across pages, online first then by name within it. */
    async contacts(me: string, cursor: string | undefined, limit: number): Promise<Page<Contact>> {
      await countHit(
        run,
        keys.rateReads(me),
        config.readPagesPerWindow,
        config.readWindowSeconds,
        'reads',
        CONTACTS_PAGE_READS,
      );
      const all = await contactIds(me);
      const from = cursor === undefined ? 0 : all.findIndex((id) => id > cursor);
      const ids = from < 0 ? [] : all.slice(from, from + limit);
      const more = from >= 0 && from + limit < all.length;
      const users = await readContacts({ redis, keys }, ids, me);
      users.sort(
        (a, b) =>
          Number(b.online) - Number(a.online) ||
          a.username.localeCompare(b.username) ||
          (a.user_id < b.user_id ? -1 : 1),
      );
      return { items: users, nextCursor: more ? ids[ids.length - 1] : undefined };
    },
  };
}

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { sendText } from './helpers/chat-actions.js';
import { uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, type Session } from './helpers/session.js';
import type { Frame } from './helpers/ws-client.js';

// Issue 18: concurrent add/remove/leave/set_role of one group from two instances (two workers each) end in a
// consistent state, every time: exactly one owner, roles only for members, each user's chat list agreeing
// with the members set, and the join order (chat:{id}:joined) holding exactly the members.
// Runs on a single Redis and on the Redis Cluster (vitest.config.ts).

const ROUNDS = 30;
const PEOPLE = 10;

let one: ServerProcess;
let two: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  const env = { GROUP_CHANGES_PER_HOUR: '100000', MEMBERSHIP_CHANGES_PER_HOUR: '100000', CHATS_PER_HOUR: '1000' };
  [one, two] = await Promise.all([startServer({ workers: 2, env }), startServer({ workers: 2, env })]);
  redis = redisClient();
});

/** Checks the invariants of a group against every user who may have been in it. */
async function expectConsistent(chatId: string, people: Session[]) {
  const members = new Set(await redis.smembers(keys.members(chatId)));
  const roles = await redis.hgetall(keys.roles(chatId));
  const joined = new Set(await redis.zrange(keys.joined(chatId), 0, -1));
  const owners = Object.entries(roles).filter(([, role]) => role === 'owner');
  if (members.size > 0) expect(owners, JSON.stringify(roles)).toHaveLength(1);
  for (const user of Object.keys(roles)) expect(members.has(user), `role of a non-member ${user}`).toBe(true);
  expect([...joined].sort()).toEqual([...members].sort());
  for (const person of people) {
    const listed = (await redis.sismember(keys.userChats(person.userId), chatId)) === 1;
    expect(listed, `${person.username}: listed ${listed}, member ${members.has(person.userId)}`).toBe(
      members.has(person.userId),
    );
  }
}

/** Any reply: an answer or a refusal (a racing change may make an action refused; that is fine). */
function attempt(person: Session, action: string, data: unknown): Promise<Frame> {
  return person.client.request(action, data);
}

describe('concurrent changes of one group', () => {
  it(`end consistent, ${ROUNDS} rounds of add, remove, leave and set_role at once from two instances`, async () => {
    const people: Session[] = [];
    for (let i = 0; i < PEOPLE; i++) people.push(await connectAuthed(i % 2 === 0 ? one : two, uniq(`p${i}-`)));
    const owner = people[0]!;
    const created = await owner.client.request('create_group', {
      title: 'race',
      member_ids: people.slice(1).map((p) => p.userId),
    });
    const chatId = created.chat_id as string;
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Whoever owns it now, and the admins, act; everyone else leaves or is added back.
      const roles = await redis.hgetall(keys.roles(chatId));
      const members = new Set(await redis.smembers(keys.members(chatId)));
      const byId = new Map(people.map((p) => [p.userId, p]));
      const managers = Object.keys(roles)
        .map((id) => byId.get(id))
        .filter((p): p is Session => p !== undefined);
      const actions: Promise<Frame>[] = [];
      for (const manager of managers) {
        const target = people[random(PEOPLE)]!;
        const pick = random(4);
        if (pick === 0) actions.push(attempt(manager, 'add_members', { chat_id: chatId, user_ids: [target.userId] }));
        else if (pick === 1)
          actions.push(attempt(manager, 'remove_member', { chat_id: chatId, user_id: target.userId }));
        else if (pick === 2) {
          const role = (['admin', 'member', 'owner'] as const)[random(3)]!;
          actions.push(attempt(manager, 'set_role', { chat_id: chatId, user_id: target.userId, role }));
        } else
          actions.push(attempt(manager, 'add_members', { chat_id: chatId, user_ids: people.map((p) => p.userId) }));
      }
      for (const person of people) {
        if (members.has(person.userId) && random(5) === 0) {
          actions.push(attempt(person, 'leave_chat', { chat_id: chatId }));
        }
      }
      const replies = await Promise.all(actions);
      for (const reply of replies) {
        if (reply.type === 'error') expect(['forbidden', 'not_found', 'invalid_payload']).toContain(reply.error);
      }
      await expectConsistent(chatId, people);
      // Nobody managing any more (all left): the group stays, empty, for its history. Start again.
      if ((await redis.scard(keys.members(chatId))) === 0) break;
    }
    // Every member can still talk in it, and the sequence has no gap.
    const members = people.filter((p) => p.userId);
    const still = [];
    for (const person of members) if (await redis.sismember(keys.members(chatId), person.userId)) still.push(person);
    if (still.length > 0) {
      const ack = await sendText(still[0]!.client, chatId, 'after the races');
      const stored = await redis.lrange(keys.messages(chatId), 0, -1);
      const ids = stored.map((m) => (JSON.parse(m) as { id: number }).id);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
      expect(ids.at(-1)).toBe(ack.server_msg_id);
    }
  });
});

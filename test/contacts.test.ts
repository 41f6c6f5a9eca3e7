import { type Contact, LIMITS } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';
import { waitFor } from './helpers/wait.js';
import { onlineClient } from './sdk/sdk-helpers.js';

// Contract section 9: GET /api/contacts lists everyone who shares a chat with the caller, in pages like
// GET /api/chats, with bounded work whatever the caller's chats (LIMITS.contactsChatMaxMembers and
// LIMITS.contactsMembersBudget).

// Keys of this file's server only, so seeded chats are this file's.
const P = `${uniq('contacts')}:`;

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ env: { REDIS_KEY_PREFIX: P, CHATS_PER_HOUR: '100000' } });
  redis = redisClient();
});

type ContactsReply = { status: number; body: { users: Contact[]; next_cursor: string | null } };

function contacts(token: string, query = ''): Promise<ContactsReply> {
  return api(server.url, `/api/contacts${query}`, { token });
}

/** Walks the route page by page; checks each page against `limit`; `between` runs after each page. */
async function walk(token: string, limit: number, between?: (page: number) => Promise<void>) {
  const seen: Contact[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 10_000; n++) {
    const page: ContactsReply = await contacts(
      token,
      `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    expect(page.body.users.length).toBeLessThanOrEqual(limit);
    seen.push(...page.body.users);
    cursor = page.body.next_cursor;
    if (cursor === null) return { seen, ids: seen.map((u) => u.user_id), pages: n + 1 };
    await between?.(n);
  }
  throw new Error('the walk did not end');
}

/** Writes a public chat of `size` made-up members (and their user records) straight into Redis. */
async function seedChat(members: string[], size: number): Promise<string> {
  const chatId = uniq('seeded');
  const ids = Array.from({ length: size - members.length }, (_, i) => `${chatId}_m${i}`);
  const pipe = redis.pipeline();
  pipe.hset(`${P}chat:{${chatId}}`, {
    kind: 'public',
    title: chatId,
    created_by: members[0]!,
    created_at: 1,
    last_id: 0,
  });
  for (let i = 0; i < ids.length; i += 1000) pipe.sadd(`${P}chat:{${chatId}}:members`, ...ids.slice(i, i + 1000));
  pipe.sadd(`${P}chat:{${chatId}}:members`, ...members);
  for (const id of ids) pipe.hset(`${P}user:${id}`, { username: `seed ${id}`, avatar_url: '', created_at: 1 });
  for (const member of members) pipe.sadd(`${P}user_chats:${member}`, chatId);
  await pipe.exec();
  return chatId;
}

describe('GET /api/contacts', () => {
  let ana: Session;
  let bia: Session;
  let caio: Session;
  let duda: Session;
  let stranger: Session;

  beforeAll(async () => {
    [ana, bia, caio, duda, stranger] = (await users(server, 5)) as [Session, Session, Session, Session, Session];
    // bia: a DM and the public chat (listed once); caio: the DM only; duda: the public chat only.
    await createDm(ana.client, bia.userId);
    await createDm(ana.client, caio.userId);
    const club = await createPublicChat(ana.client);
    await joinChat(bia.client, club);
    await joinChat(duda.client, club);
    // The stranger is online and in chats of their own, none with ana.
    await createDm(stranger.client, (await users(server, 1))[0]!.userId);
  });

  it('needs a valid Bearer token', async () => {
    expect((await api(server.url, '/api/contacts')).status).toBe(401);
    expect((await contacts('not-a-token')).status).toBe(401);
    for (const bad of ['?limit=0', `?limit=${LIMITS.chatsPageMax + 1}`, '?cursor=a%20b', `?cursor=${'x'.repeat(65)}`]) {
      expect((await contacts(ana.token, bad)).status, bad).toBe(400);
    }
  });

  it('lists everyone who shares a chat with the caller, once, with presence; never the caller or a stranger', async () => {
    const page = await contacts(ana.token);
    expect(page.status).toBe(200);
    expect(page.body.next_cursor).toBeNull();
    expect(page.body.users.map((u) => u.user_id).sort()).toEqual([bia.userId, caio.userId, duda.userId].sort());
    for (const user of page.body.users) {
      expect(user).toEqual({
        user_id: user.user_id,
        username: expect.any(String),
        avatar_url: null,
        about: null,
        online: true,
        last_seen: user.last_seen,
      });
      // Set when a connection opens or closes; null for a user never online.
      expect(user.last_seen === null || typeof user.last_seen === 'number').toBe(true);
    }
    // The relation goes both ways; the stranger has nobody of ana's.
    const ofDuda = await contacts(duda.token);
    expect(ofDuda.body.users.map((u) => u.user_id).sort()).toEqual([ana.userId, bia.userId].sort());
    const ofStranger = await contacts(stranger.token);
    expect(ofStranger.body.users.map((u) => u.user_id)).not.toContain(ana.userId);
    expect(ofStranger.body.users).toHaveLength(1);
  });

  it('within a page: online first, then by name; offline people carry last_seen', async () => {
    await caio.client.close();
    const page = await waitFor(
      () => contacts(ana.token),
      (p) => p.body.users.some((u) => u.user_id === caio.userId && !u.online),
      { what: 'caio offline' },
    );
    const users = page.body.users;
    expect(users.at(-1)!.user_id).toBe(caio.userId);
    expect(users.at(-1)!.last_seen).toEqual(expect.any(Number));
    const online = users.filter((u) => u.online).map((u) => u.username);
    expect(online).toEqual([...online].sort((a, b) => a.localeCompare(b)));
  });

  it('a huge public chat makes nobody a contact, and a request reads a bounded number of members', async () => {
    const eve = (await users(server, 1))[0]!;
    const peers = await users(server, 2);
    await createDm(eve.client, peers[0]!.userId);
    // A public chat above the size that counts, with a real member beside the made-up ones.
    const huge = await seedChat([eve.userId, peers[1]!.userId], LIMITS.contactsChatMaxMembers + 1);
    expect(await redis.scard(`${P}chat:{${huge}}:members`)).toBe(LIMITS.contactsChatMaxMembers + 1);
    const page = await contacts(eve.token, '?limit=200');
    expect(page.body.users.map((u) => u.user_id)).toEqual([peers[0]!.userId]);
    expect(page.body.next_cursor).toBeNull();

    // Chats at the size limit, more than the budget in all: what a walk lists stays within the budget, the
    // smallest chats (the DM) first, and every page within its limit.
    const chats = Math.ceil(LIMITS.contactsMembersBudget / LIMITS.contactsChatMaxMembers) + 3;
    for (let i = 0; i < chats; i++) await seedChat([eve.userId], LIMITS.contactsChatMaxMembers);
    const whole = await walk(eve.token, LIMITS.chatsPageMax);
    expect(whole.ids).toContain(peers[0]!.userId);
    expect(whole.ids).not.toContain(peers[1]!.userId);
    expect(new Set(whole.ids).size).toBe(whole.ids.length);
    expect(whole.ids.length).toBeLessThanOrEqual(LIMITS.contactsMembersBudget);
    // The budget is spent on whole chats: all of the DM, then as many full chats as fit.
    const fullChats = Math.floor((LIMITS.contactsMembersBudget - 2) / LIMITS.contactsChatMaxMembers);
    expect(whole.ids.length).toBe(1 + fullChats * (LIMITS.contactsChatMaxMembers - 1));
    expect(whole.pages).toBe(Math.ceil(whole.ids.length / LIMITS.chatsPageMax));
  });

  it('a walk in pages lists everyone once, also while people join during it', async () => {
    const host = (await users(server, 1))[0]!;
    const guests = await users(server, 11);
    const room = await createPublicChat(host.client);
    for (const guest of guests.slice(0, 8)) await joinChat(guest.client, room);
    // Two of them also have a DM with the host: still listed once.
    await createDm(host.client, guests[0]!.userId);
    await createDm(host.client, guests[1]!.userId);

    const whole = await walk(host.token, 3);
    expect(whole.ids.sort()).toEqual(
      guests
        .slice(0, 8)
        .map((g) => g.userId)
        .sort(),
    );
    expect(whole.pages).toBe(3);

    // Three more join during a walk: everyone there throughout is listed once, and nobody twice.
    const during = await walk(host.token, 2, async (n) => {
      if (n === 1) for (const guest of guests.slice(8)) await joinChat(guest.client, room);
    });
    expect(new Set(during.ids).size).toBe(during.ids.length);
    for (const guest of guests.slice(0, 8)) expect(during.ids).toContain(guest.userId);
    const after = await walk(host.token, 200);
    expect(after.ids.sort()).toEqual(guests.map((g) => g.userId).sort());
  });

  it('the SDK walks the pages with contacts(cursor)', async () => {
    const host = await onlineClient(server.url, 'Host');
    const guests = await Promise.all(['Bia', 'Caio', 'Duda'].map((name) => onlineClient(server.url, name)));
    for (const guest of guests) await host.createDm(guest.userId!);
    const first = await host.contacts(undefined, 2);
    expect(first.users).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await host.contacts(first.next_cursor!, 2);
    expect(second.next_cursor).toBeNull();
    const names = [...first.users, ...second.users].map((u) => u.username).sort();
    expect(names).toEqual(['Bia', 'Caio', 'Duda']);
  });
});

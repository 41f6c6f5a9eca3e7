import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createDm, createPublicChat, joinChat, leaveChat, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { keys, onCluster, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';

// Issue 16, finding 6: with 3,000 chats one GET /api/chats cost 15,005 Redis commands (five per chat, among
// them SMEMBERS of every chat's members and HGETALL of every chat's read marks). The lists now come in pages
// (cursor and limit), and a chat's summary costs the same for 2 members and for thousands.

// Keys of this file's server only: the directory and the counts below are this file's.
const P = `${uniq('pages')}:`;

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ env: { REDIS_KEY_PREFIX: P, CHATS_PER_HOUR: '100000' } });
  redis = redisClient();
});

type Page = { status: number; body: { chats: Array<{ chat_id: string }>; next_cursor: string | null } };

/** Walks a list route page by page; `between` runs after each page. */
async function walk(path: string, token: string, limit: number, between?: (page: number) => Promise<void>) {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 1000; n++) {
    const query = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: Page = await api(server.url, `${path}${query}`, { token });
    expect(page.status).toBe(200);
    expect(page.body.chats.length).toBeLessThanOrEqual(limit);
    seen.push(...page.body.chats.map((c) => c.chat_id));
    cursor = page.body.next_cursor;
    if (cursor === null) return { seen, pages: n + 1 };
    await between?.(n);
  }
  throw new Error('the walk did not end');
}

describe('GET /api/chats in pages', () => {
  let ana: Session;
  let chats: string[];

  beforeAll(async () => {
    const [first, bia] = await users(server, 2);
    ana = first!;
    chats = [(await createDm(ana.client, bia!.userId)).chat_id];
    const made = await Promise.all(Array.from({ length: 249 }, () => createPublicChat(ana.client)));
    chats.push(...made);
  });

  it('pages are bounded: default 100, at most 200; larger limits are refused', async () => {
    const first: Page = await api(server.url, '/api/chats', { token: ana.token });
    expect(first.status).toBe(200);
    expect(first.body.chats).toHaveLength(100);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const most: Page = await api(server.url, '/api/chats?limit=200', { token: ana.token });
    expect(most.body.chats).toHaveLength(200);
    for (const bad of ['?limit=201', '?limit=0', '?cursor=a%20b', `?cursor=${'x'.repeat(65)}`]) {
      expect((await api(server.url, `/api/chats${bad}`, { token: ana.token })).status, bad).toBe(400);
    }
  });

  it('a walk lists every chat once, also while chats are joined and left during it', async () => {
    const whole = await walk('/api/chats', ana.token, 7);
    expect(whole.seen.length).toBe(chats.length);
    expect(new Set(whole.seen)).toEqual(new Set(chats));
    expect(whole.pages).toBe(Math.ceil(chats.length / 7));

    // During a second walk ana leaves two chats and makes two more: every chat she was in throughout is
    // listed once, and nothing twice.
    const left = [chats[10]!, chats[200]!];
    const added: string[] = [];
    const during = await walk('/api/chats', ana.token, 9, async (n) => {
      if (n === 3) {
        for (const chatId of left) await leaveChat(ana.client, chatId);
        added.push(await createPublicChat(ana.client), await createPublicChat(ana.client));
      }
    });
    expect(new Set(during.seen).size).toBe(during.seen.length);
    const throughout = chats.filter((c) => !left.includes(c));
    for (const chatId of throughout) expect(during.seen).toContain(chatId);
    for (const chatId of during.seen) expect([...chats, ...added]).toContain(chatId);
  });

  it('a list from before its index (or written by other code) is indexed again on the first page', async () => {
    await redis.del(`${P}user_chats_by_id:{${P}${keys.userChats(ana.userId)}}`);
    const listed = new Set(await redis.smembers(`${P}${keys.userChats(ana.userId)}`));
    const whole = await walk('/api/chats', ana.token, 50);
    expect(whole.seen.length).toBe(listed.size);
    expect(new Set(whole.seen)).toEqual(listed);
  });

  it('within a page the most recently active chat comes first; the DM carries its peer', async () => {
    const [bia, caio] = await users(server, 2);
    const quiet = await createPublicChat(bia!.client);
    // Made a while ago (times are whole seconds: a tie would be either order).
    await redis.hset(`${P}${keys.chat(quiet)}`, 'created_at', Math.floor(Date.now() / 1000) - 100);
    const dm = (await createDm(bia!.client, caio!.userId)).chat_id;
    await sendText(caio!.client, dm, 'oi');
    const page: Page = await api(server.url, '/api/chats', { token: bia!.token });
    expect(page.body.chats.map((c) => c.chat_id)).toEqual([dm, quiet]);
    expect(page.body.chats[0]).toMatchObject({ kind: 'dm', peer_user_id: caio!.userId, title: caio!.username });
    expect(page.body.next_cursor).toBeNull();
  });
});

describe('GET /api/chats/public in pages', () => {
  it('newest first; a walk lists every public chat once while new ones are created', async () => {
    const [owner] = await users(server, 1);
    const before = await redis.smembers(`${P}${keys.publicChats}`);
    const made: string[] = [];
    for (let i = 0; i < 30; i++) made.push(await createPublicChat(owner!.client));
    const first: Page = await api(server.url, '/api/chats/public?limit=5', { token: owner!.token });
    expect(first.body.chats.map((c) => c.chat_id)).toEqual(made.slice(-5).reverse());

    const fresh: string[] = [];
    const whole = await walk('/api/chats/public', owner!.token, 4, async (n) => {
      if (n % 3 === 0) fresh.push(await createPublicChat(owner!.client));
    });
    expect(new Set(whole.seen).size).toBe(whole.seen.length);
    expect(new Set(whole.seen.filter((c) => !fresh.includes(c)))).toEqual(new Set([...before, ...made]));

    // Chats listed before the index existed are indexed on the next page asked for, as the oldest.
    const legacy = 'c_legacy1';
    await redis.sadd(`${P}${keys.publicChats}`, legacy);
    const again = await walk('/api/chats/public', owner!.token, 50);
    expect(again.seen.at(-1)).toBe(legacy);
    expect(new Set(again.seen)).toEqual(new Set(await redis.smembers(`${P}${keys.publicChats}`)));
  });
});

describe('the cost of a chat in a page does not grow with its members', () => {
  it.skipIf(onCluster)(
    'a chat of 3,000 members costs the commands of a chat of 2, none of them reading every member',
    async () => {
      const [ana, bia, caio, dani] = await users(server, 4);
      const big = await createPublicChat(ana!.client);
      await joinChat(bia!.client, big);
      const small = await createPublicChat(caio!.client);
      await joinChat(dani!.client, small);
      for (const [chatId, sender] of [
        [big, bia!],
        [small, dani!],
      ] as const) {
        for (let i = 0; i < 3; i++) await sendText(sender.client, chatId, `m${i}`);
      }
      // 3,000 more members with read marks, written as a big chat's would be.
      const fake = Array.from({ length: 3000 }, (_, i) => `u_fake${i}`);
      await redis.sadd(`${P}${keys.members(big)}`, ...fake);
      await redis.hset(`${P}${keys.reads(big)}`, Object.fromEntries(fake.map((u) => [u, '1'])));
      // A chat of 3,002 members tells no one of a member's read (contract section 10): wait for the mark itself.
      ana!.client.send('read_receipt', { chat_id: big, message_id: 2 });
      await vi.waitFor(async () => expect(await redis.hget(`${P}${keys.reads(big)}`, ana!.userId)).toBe('2'));

      // Every command Redis runs on a chat's keys during one GET /api/chats (scripts' commands included).
      const monitor = await redis.monitor();
      const seen: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
      const costOf = async (session: Session, chatId: string) => {
        seen.length = 0;
        const reply = await api(server.url, '/api/chats', { token: session.token });
        expect(reply.status).toBe(200);
        await new Promise((r) => setTimeout(r, 200));
        const onChat = seen.filter((args) => args.some((a) => a.includes(`{${chatId}}`)));
        return { reply, commands: onChat.map((args) => args[0]!.toLowerCase()) };
      };
      const bigCost = await costOf(ana!, big);
      const smallCost = await costOf(caio!, small);
      await monitor.disconnect();

      expect(bigCost.commands.length).toBeGreaterThan(0);
      expect(bigCost.commands.length).toBe(smallCost.commands.length);
      expect(bigCost.commands).not.toContain('smembers');
      expect(bigCost.commands).not.toContain('hgetall');
      // The answer is what it was: the member count and the unread count; a public chat has no ticks.
      expect(bigCost.reply.body.chats).toEqual([
        expect.objectContaining({ chat_id: big, member_count: 3002, unread_count: 1, received_id: 0, read_id: 0 }),
      ]);
    },
  );
});

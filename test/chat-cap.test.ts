import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat, leaveChat } from './helpers/chat-actions.js';
import { uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { secondConnection, users } from './helpers/session.js';
import type { Frame } from './helpers/ws-client.js';

// Issue 16, finding 6: one account joined 3,000 chats, and every read of its chat list and every reconnect
// then cost thousands of Redis commands. MAX_CHATS_PER_USER caps a user's chats; the cap is checked in the
// user's list's slot before the chat's side changes (reserve-chat.lua), so it holds under concurrency too.

const CAP = 5;
// Keys of this file's server only, so that counts of shared keys (chats:public) are this file's.
const P = `${uniq('capt')}:`;
const k = {
  userChats: (u: string) => `${P}${keys.userChats(u)}`,
  pending: (u: string) => `${P}user_chats_pending:{${P}user_chats:${u}}`,
  members: (c: string) => `${P}${keys.members(c)}`,
  publicChats: `${P}chats:public`,
  dm: (a: string, b: string) => `${P}${keys.dm(a, b)}`,
  rateChats: (u: string) => `${P}rate:chats:${u}`,
};

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ env: { MAX_CHATS_PER_USER: String(CAP), REDIS_KEY_PREFIX: P } });
  redis = redisClient();
});

describe(`chats per user (MAX_CHATS_PER_USER=${CAP})`, () => {
  it('a user at the cap is refused a new public chat, a join and a new DM (either side), with nothing written', async () => {
    const [full, owner, peer] = await users(server, 3);
    for (let i = 0; i < CAP; i++) await createPublicChat(full!.client);
    expect(await redis.scard(k.userChats(full!.userId))).toBe(CAP);
    const others = await createPublicChat(owner!.client);
    const publicBefore = await redis.scard(k.publicChats);
    const rateBefore = await redis.get(k.rateChats(full!.userId));

    const created = await full!.client.request('create_public_chat', { title: 'one too many' });
    expect(created).toMatchObject({ type: 'error', error: 'forbidden', message: expect.stringMatching(/full/) });
    const joined = await full!.client.request('join_chat', { chat_id: others });
    expect(joined).toMatchObject({ type: 'error', error: 'forbidden', message: expect.stringMatching(/leave a chat/) });
    const dm = await full!.client.request('create_dm', { peer_user_id: peer!.userId });
    expect(dm).toMatchObject({ type: 'error', error: 'forbidden' });
    // The other side: a DM with a user whose list is full.
    const theirs = await peer!.client.request('create_dm', { peer_user_id: full!.userId });
    expect(theirs).toMatchObject({ type: 'error', error: 'forbidden', message: expect.stringMatching(/full/) });

    expect(await redis.scard(k.userChats(full!.userId))).toBe(CAP);
    expect(await redis.scard(k.userChats(peer!.userId))).toBe(0);
    expect(await redis.scard(k.publicChats)).toBe(publicBefore);
    expect(await redis.get(k.rateChats(full!.userId))).toBe(rateBefore);
    expect(await redis.exists(k.dm(full!.userId, peer!.userId))).toBe(0);
    expect(await redis.smembers(k.members(others))).toEqual([owner!.userId]);
    expect(await redis.zcard(k.pending(full!.userId))).toBe(0);
    expect(await redis.zcard(k.pending(peer!.userId))).toBe(0);
    // Nobody was told of a member who never came.
    expect(owner!.client.all('chat_member_added')).toEqual([]);

    // Leaving one makes room.
    const [first] = await redis.smembers(k.userChats(full!.userId));
    await leaveChat(full!.client, first!);
    await joinChat(full!.client, others);
    expect(await redis.scard(k.userChats(full!.userId))).toBe(CAP);
  });

  it('chats the user is in already still open at the cap: a repeated join, an existing DM', async () => {
    const [full, peer] = await users(server, 2);
    const dm = (await createDm(full!.client, peer!.userId)).chat_id;
    const chats = [];
    for (let i = 1; i < CAP; i++) chats.push(await createPublicChat(full!.client));
    expect(await redis.scard(k.userChats(full!.userId))).toBe(CAP);
    await joinChat(full!.client, chats[0]!);
    expect((await createDm(full!.client, peer!.userId)).chat_id).toBe(dm);
    expect((await createDm(peer!.client, full!.userId)).chat_id).toBe(dm);
  });

  it('concurrent joins and creations from two connections cannot pass the cap together', async () => {
    const [racer, ...owners] = await users(server, 5);
    for (let i = 1; i < CAP; i++) await createPublicChat(racer!.client);
    const targets: string[] = [];
    for (const owner of owners) for (let i = 0; i < 3; i++) targets.push(await createPublicChat(owner.client));
    const other = await secondConnection(server, racer!);

    // One place left; 12 joins and 4 creations race for it.
    const replies: Frame[] = await Promise.all([
      ...targets.map((chatId, i) => (i % 2 ? other : racer!.client).request('join_chat', { chat_id: chatId })),
      ...[0, 1, 2, 3].map((i) => (i % 2 ? other : racer!.client).request('create_public_chat', { title: `r${i}` })),
    ]);
    const won = replies.filter((r) => r.type === 'joined' || r.type === 'chat_created');
    const lost = replies.filter((r) => r.type === 'error');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(replies.length - 1);
    for (const reply of lost) expect(reply).toMatchObject({ error: 'forbidden' });
    expect(await redis.scard(k.userChats(racer!.userId))).toBe(CAP);
    const memberships = await Promise.all(targets.map((c) => redis.sismember(k.members(c), racer!.userId)));
    expect(memberships.filter((m) => m === 1).length).toBe(won[0]!.type === 'joined' ? 1 : 0);
  });
});

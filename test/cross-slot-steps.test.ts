import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat, leaveChat, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, users } from './helpers/session.js';
import { waitFor } from './helpers/wait.js';

/**
 * Actions that span Redis slots (a chat and a user's chat list, a login's keys, presence records) run as
 * ordered steps (see packages/server/src/store/). A process that dies between two steps leaves the state a
 * step in; these tests write that state by hand, as the crash would have left it, and check that the same
 * action again (or the lease reaper) completes the job.
 */
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ workers: 1, env: { PRESENCE_HEARTBEAT_MS: '300', PRESENCE_LEASE_MS: '1000' } });
  redis = redisClient();
});

describe('a cross-slot action cut short is completed by the next one', () => {
  it('a DM whose pair key was claimed but whose chat was never made: the next create_dm makes it', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = `c_${uniq('half')}`;
    await redis.set(keys.dm(ana!.userId, bia!.userId), chatId); // step 1 of create_dm, then the crash

    const ready = await createDm(ana!.client, bia!.userId);
    expect(ready.chat_id).toBe(chatId);
    expect(await redis.hget(keys.chat(chatId), 'kind')).toBe('dm');
    expect((await redis.smembers(keys.members(chatId))).sort()).toEqual([ana!.userId, bia!.userId].sort());
    expect(await redis.sismember(keys.userChats(ana!.userId), chatId)).toBe(1);
    expect(await redis.sismember(keys.userChats(bia!.userId), chatId)).toBe(1);
    // Bia learns of it (her list changed now), and the chat works both ways.
    await bia!.client.next('dm_ready', (e) => e.chat_id === chatId);
    const ack = await sendText(bia!.client, chatId, 'hi');
    await ana!.client.next('message_created', (e) => e.chat_id === chatId && e.message.id === ack.server_msg_id);
  });

  it('a DM made but missing from one side’s list: the next create_dm (from either side) lists it', async () => {
    const [ana, bia] = await users(server, 2);
    const { chat_id: chatId } = await createDm(ana!.client, bia!.userId);
    await bia!.client.next('dm_ready', (e) => e.chat_id === chatId);
    await redis.srem(keys.userChats(bia!.userId), chatId); // as if the crash came before Bia's list step

    const again = await createDm(bia!.client, ana!.userId);
    expect(again.chat_id).toBe(chatId);
    expect(await redis.sismember(keys.userChats(bia!.userId), chatId)).toBe(1);
    expect(await redis.scard(keys.members(chatId))).toBe(2);
  });

  it('a join that added the member but not the chat to their list: joining again lists it', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    await redis.sadd(keys.members(chatId), bia!.userId); // the chat's step only

    const joined = await joinChat(bia!.client, chatId);
    expect(joined.chat_id).toBe(chatId);
    expect(await redis.sismember(keys.userChats(bia!.userId), chatId)).toBe(1);
    const chats = await api(server.url, '/api/chats', { token: bia!.token });
    expect((chats.body.chats as { chat_id: string }[]).map((c) => c.chat_id)).toContain(chatId);
    // Bia's connection follows the chat now.
    const ack = await sendText(ana!.client, chatId, 'welcome');
    await bia!.client.next('message_created', (e) => e.chat_id === chatId && e.message.id === ack.server_msg_id);
  });

  it('a leave that removed the member but left the chat in their list: leaving again unlists it', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    await joinChat(bia!.client, chatId);
    await redis.srem(keys.members(chatId), bia!.userId); // the chat's step only

    await leaveChat(bia!.client, chatId);
    expect(await redis.sismember(keys.userChats(bia!.userId), chatId)).toBe(0);
    // A third leave is what it always was: not a member.
    bia!.client.send('leave_chat', { chat_id: chatId }, 'again');
    expect((await bia!.client.next('error', (e) => e.request_id === 'again')).error).toBe('forbidden');
  });

  it('a login whose address got its user id but whose user record was never written: the next login writes it', async () => {
    const email = `${uniq('half-')}@example.com`;
    const userId = `u_${uniq('half')}`;
    await redis.set(keys.loginUser(email), userId);

    const code = (await api(server.url, '/api/login/code', { body: { email } })).body.dev_code as string;
    const verified = await api(server.url, '/api/login/verify', { body: { email, code, username: 'Half' } });
    expect(verified.status).toBe(200);
    expect(verified.body.user_id).toBe(userId);
    expect(await redis.hget(keys.user(userId), 'username')).toBe('Half');
    const me = await api(server.url, '/api/me', { token: verified.body.token as string });
    expect(me.body).toMatchObject({ user_id: userId, username: 'Half' });
  });

  it('a disconnect cut short after the connection record went: the lease reaper marks the user offline', async () => {
    const session = await connectAuthed(server);
    const userId = session.userId;
    await session.client.close();
    await waitFor(
      () => redis.sismember(keys.onlineUsers, userId),
      (online) => online === 0,
      { what: 'the user offline after a clean close' },
    );
    // Now as a dead worker would have left it: the connection gone from the user's hash, but the user still
    // in the online set and the worker's record of the connection still there, its lease expired.
    const deadWorker = `dead-${uniq('w')}`;
    await redis.sadd(keys.onlineUsers, userId);
    await redis.sadd(`presence:worker:{${deadWorker}}`, `${userId} conn-1`);
    await redis.zadd('presence:workers', Date.now() - 1000, deadWorker);

    await waitFor(
      () => redis.sismember(keys.onlineUsers, userId),
      (online) => online === 0,
      { what: 'the reaper to mark the user offline', timeoutMs: 10_000 },
    );
    await waitFor(
      () => redis.zscore('presence:workers', deadWorker),
      (score) => score === null,
      { what: 'the dead worker’s lease to go' },
    );
    expect(await redis.exists(`presence:worker:{${deadWorker}}`)).toBe(0);
  });
});

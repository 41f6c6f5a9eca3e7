import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, groupChat, joinChat, sendText } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, START_TIMEOUT_MS, startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken, secondConnection, users } from './helpers/session.js';
import { nowSeconds, waitFor } from './helpers/wait.js';
import { connectOnWorker, workerOf } from './helpers/workers.js';
import type { TestClient } from './helpers/ws-client.js';

const HEARTBEAT_MS = 500;
const LEASE_MS = 2000;

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({
    workers: 2,
    env: { PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS), PRESENCE_LEASE_MS: String(LEASE_MS) },
  });
  redis = redisClient();
});

const presenceOf = (client: TestClient, userId: string, status: 'online' | 'offline') =>
  client.all('presence').filter((e) => e.user_id === userId && e.status === status);

/** A message `from` sends reaches `to` after everything published before it (one chat, one channel). */
async function barrier(from: TestClient, to: TestClient, chatId: string) {
  const ack = await sendText(from, chatId, 'barrier');
  await to.next('message_created', (e) => e.chat_id === chatId && e.message.id === ack.server_msg_id);
}

describe('presence with several connections', () => {
  it('online on the first connection only; offline when the last one closes, with last_seen', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const chatId = await groupChat(ana!.client, [bia!.client, caio!.client]);

    await ana!.client.close();
    expect(await bia!.client.next('presence', (e) => e.user_id === ana!.userId)).toMatchObject({
      status: 'offline',
    });

    const ana1 = await connectWithToken(server, ana!.token);
    const online = await bia!.client.next('presence', (e) => e.user_id === ana!.userId);
    expect(online).toEqual({ type: 'presence', user_id: ana!.userId, status: 'online', last_seen: expect.any(Number) });
    expect(Number.isInteger(online.last_seen)).toBe(true);

    // A second connection is not a second "online".
    const ana2 = await secondConnection(server, ana!);
    await barrier(ana2, bia!.client, chatId);
    expect(presenceOf(bia!.client, ana!.userId, 'online')).toHaveLength(1);

    // Closing one of two: still online, no "offline".
    await ana1.close();
    await barrier(ana2, bia!.client, chatId);
    expect(await redis.sismember(keys.onlineUsers, ana!.userId)).toBe(1);
    expect(presenceOf(bia!.client, ana!.userId, 'offline')).toHaveLength(1);

    // Closing the last one: "offline" to those who share a chat, SREM, last_seen updated.
    const before = nowSeconds();
    await ana2.close();
    const offline = await bia!.client.next('presence', (e) => e.user_id === ana!.userId && e.status === 'offline');
    expect(offline.last_seen).toBeGreaterThanOrEqual(before - 1);
    await caio!.client.next('presence', (e) => e.user_id === ana!.userId && e.status === 'offline');
    expect(await redis.sismember(keys.onlineUsers, ana!.userId)).toBe(0);
    expect(Number(await redis.get(keys.lastSeen(ana!.userId)))).toBeGreaterThanOrEqual(before - 1);
    const details = await api(server.url, `/api/users/${ana!.userId}`, { token: bia!.token });
    expect(details.body).toMatchObject({ online: false, last_seen: offline.last_seen });

    await barrier(caio!.client, bia!.client, chatId);
    expect(presenceOf(bia!.client, ana!.userId, 'offline')).toHaveLength(2);
  });

  it('presence goes only to users who share a chat', async () => {
    const [ana, bia, stranger] = await users(server, 3);
    await groupChat(ana!.client, [bia!.client]);
    const strangerChat = await createPublicChat(stranger!.client);
    await joinChat(bia!.client, strangerChat);
    await ana!.client.close();
    await bia!.client.next('presence', (e) => e.user_id === ana!.userId && e.status === 'offline');
    await barrier(bia!.client, stranger!.client, strangerChat);
    expect(stranger!.client.all('presence').filter((e) => e.user_id === ana!.userId)).toEqual([]);
  });
});

describe('a worker killed with SIGKILL', () => {
  it('its users go offline within the lease; others stay online; the replacement serves', async () => {
    const workers = server.liveWorkerPids();
    expect(workers).toHaveLength(2);
    const victim = await connectOnWorker(
      server,
      () => connectAuthed(server),
      () => true,
    );
    const survivor = (pid: number) => pid !== victim.pid;
    const bia = await connectOnWorker(server, () => connectAuthed(server), survivor);
    const caio = await connectOnWorker(server, () => connectAuthed(server), survivor);
    const chatId = await groupChat(victim.client, [bia.client, caio.client]);
    expect(await redis.sismember(keys.onlineUsers, victim.userId)).toBe(1);

    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    await victim.client.closed;

    const offline = await bia.client.next(
      'presence',
      (e) => e.user_id === victim.userId && e.status === 'offline',
      LEASE_MS + HEARTBEAT_MS + 5000,
    );
    expect(offline.last_seen).toBeGreaterThan(0);
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + HEARTBEAT_MS + 5000);
    await caio.client.next('presence', (e) => e.user_id === victim.userId && e.status === 'offline');
    expect(await redis.sismember(keys.onlineUsers, victim.userId)).toBe(0);

    // Users of the surviving worker outlived a whole lease: their heartbeat kept them online.
    expect(await redis.sismember(keys.onlineUsers, bia.userId)).toBe(1);
    expect(await redis.sismember(keys.onlineUsers, caio.userId)).toBe(1);
    expect(caio.client.all('presence').filter((e) => e.user_id === bia.userId)).toEqual([]);

    // The primary replaces the worker; the replacement serves new connections.
    await server.waitForLog((l) => l.msg === 'worker replaced');
    const replacement = (await waitFor(
      () => server.liveWorkerPids().find((pid) => !workers.includes(pid)),
      (pid) => pid !== undefined,
      { what: 'a replacement worker', timeoutMs: START_TIMEOUT_MS },
    )) as number;
    const fresh = await connectOnWorker(
      server,
      () => connectWithToken(server, victim.token).then((client) => ({ client })),
      (pid) => pid === replacement,
    );
    expect(await workerOf(server, fresh.client)).toBe(replacement);
    const back = await bia.client.next('presence', (e) => e.user_id === victim.userId && e.status === 'online');
    expect(back.status).toBe('online');
    const ack = await sendText(fresh.client, chatId, 'back again');
    await bia.client.next('message_created', (e) => e.message.id === ack.server_msg_id);
    await fresh.client.next('message_created', (e) => e.message.id === ack.server_msg_id);
  });
});

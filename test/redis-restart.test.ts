import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, groupChat, sendText, sync } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { keys, redisClient, storedMessages } from './helpers/redis.js';
import { type RedisProcess, startRedis } from './helpers/redis-process.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectWithToken, type Session, users } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';
import { waitFor } from './helpers/wait.js';
import type { Frame } from './helpers/ws-client.js';

/** This file's own Redis (fsync on every write), stopped and started again under a running server. */
let redisProc: RedisProcess;
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  redisProc = await startRedis({ appendfsync: 'always' });
  onTeardown(() => redisProc.stop());
  // A short command timeout turns the outage into `internal` quickly instead of a long wait.
  server = await startServer({ redisUrl: redisProc.url, env: { REDIS_COMMAND_TIMEOUT_MS: '1000' } });
  redis = redisClient(redisProc.url);
});

const healthStatus = () => api(server.url, '/healthz').then((r) => r.status);

/** Everything the contract says is in Redis for these chats and users. */
async function snapshot(chatIds: string[], userIds: string[]) {
  const chats = await Promise.all(
    chatIds.map(async (id) => ({
      hash: await redis.hgetall(keys.chat(id)),
      members: (await redis.smembers(keys.members(id))).sort(),
      messages: await storedMessages(redis, id),
      reads: await redis.hgetall(keys.reads(id)),
      mute: await redis.hgetall(keys.mute(id)),
    })),
  );
  const users = await Promise.all(
    userIds.map(async (id) => ({
      profile: await redis.hgetall(keys.user(id)),
      chats: (await redis.smembers(keys.userChats(id))).sort(),
    })),
  );
  return {
    chats,
    users,
    dm: await redis.get(keys.dm(userIds[0]!, userIds[1]!)),
    publics: (await redis.smembers(keys.publicChats)).sort(),
  };
}

describe('Redis restarts under a running server', () => {
  it('everything acknowledged survives; the server reconnects by itself; ids continue', async () => {
    const [ana, bia] = (await users(server, 2)) as [Session, Session];
    const group = await groupChat(ana.client, [bia.client], 'survives');
    const dm = (await createDm(ana.client, bia.userId)).chat_id;
    for (let i = 1; i <= 3; i++) await sendText(i % 2 ? ana.client : bia.client, group, `g${i}`, `g-${i}`);
    for (let i = 1; i <= 2; i++) await sendText(ana.client, dm, `d${i}`);
    // Message 3 is ana's: bia's own message 2 already counts as read by her.
    bia.client.send('read_receipt', { chat_id: group, message_id: 3 });
    await ana.client.next('read_receipt', (e) => e.chat_id === group);
    await ana.client.request('mute_chat', { chat_id: dm, until: 4_000_000_000 });

    const before = await snapshot([group, dm], [ana.userId, bia.userId]);
    expect(before.chats[0]!.messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(before.dm).toBe(dm);

    await redisProc.shutdown();
    await waitFor(healthStatus, (s) => s === 503, { timeoutMs: 10_000, what: '/healthz to answer 503' });

    // A send during the outage: refused with `internal`, or (if the server queues it) acked after the restart.
    const duringRequest = `during-${Date.now()}`;
    ana.client.send('send_message', { chat_id: group, body: 'during', client_msg_id: 'during' }, duringRequest);
    const duringReply = ana.client.nextWhere((f) => f.request_id === duringRequest, 30_000, 'the reply to the send');

    await redisProc.start();
    await waitFor(healthStatus, (s) => s === 200, { timeoutMs: 20_000, what: '/healthz to answer 200 again' });

    const reply: Frame = await duringReply.catch((err: Error) => ({ type: 'no-reply', message: err.message }));
    expect(['ack', 'error'], JSON.stringify(reply)).toContain(reply.type);
    if (reply.type === 'error') expect(reply.error).toBe('internal');
    const duringStored = reply.type === 'ack';

    // Everything acknowledged before the outage is still there.
    const after = await snapshot([group, dm], [ana.userId, bia.userId]);
    if (duringStored) {
      expect(reply.server_msg_id).toBe(4);
      expect(after.chats[0]!.messages.slice(0, 3)).toEqual(before.chats[0]!.messages);
      after.chats[0]!.messages = after.chats[0]!.messages.slice(0, 3);
      after.chats[0]!.hash.last_id = before.chats[0]!.hash.last_id!;
    }
    expect(after).toEqual(before);
    expect(await redis.exists(keys.token(ana.token))).toBe(1);

    // The server serves again: over HTTP, and over WebSocket (old connections if kept, new ones in any case).
    const fresh = await connectWithToken(server, ana.token);
    expect(fresh.all('auth_ok')[0]?.chats.sort()).toEqual([group, dm].sort());
    const history = await sync(fresh, group, 0);
    expect(history.messages.map((m) => m.body)).toEqual(['g1', 'g2', 'g3', ...(duringStored ? ['during'] : [])]);
    const page = await api(server.url, `/api/chats/${dm}/messages`, { token: ana.token });
    expect(page.body.messages.map((m: { body: string }) => m.body)).toEqual(['d1', 'd2']);

    const receiver = bia.client.isOpen ? bia.client : await connectWithToken(server, bia.token);
    const next = await sendText(fresh, group, 'after', 'after-1');
    expect(next.server_msg_id).toBe(duringStored ? 5 : 4);
    const got = await receiver.next('message_created', (e) => e.message.id === next.server_msg_id, 10_000);
    expect(got.message).toMatchObject({ body: 'after', sender_id: ana.userId });
    if (ana.client.isOpen) {
      // A connection that lived through the outage still gets the chat's events (pub/sub resubscribed).
      await ana.client.next('message_created', (e) => e.message.id === next.server_msg_id, 10_000);
    }
    expect(Number(await redis.hget(keys.chat(group), 'last_id'))).toBe(next.server_msg_id);
  });
});

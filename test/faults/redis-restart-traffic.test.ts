import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinChat } from '../helpers/chat-actions.js';
import { api } from '../helpers/http.js';
import { keys, redisClient, storedMessages } from '../helpers/redis.js';
import { type RedisProcess, startRedis } from '../helpers/redis-process.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import type { Frame, TestClient } from '../helpers/ws-client.js';
import { untilCount } from '../sdk/sdk-helpers.js';
import {
  allAcked,
  expectEachOnceInOrder,
  outboxDrained,
  rawIds,
  recordAll,
  sdkTraffic,
  sleep,
  upTo,
  watchedClient,
} from './fault-helpers.js';

/**
 * Redis killed (SIGKILL) and started again on the same port and dir while messages flow. With
 * `appendfsync always`, everything Redis answered is on disk, so whatever the server acknowledged must be
 * there after. During the outage actions must be refused with `internal` at once (the command connection
 * does not queue), not after the command timeout; `/healthz` must follow.
 */
const COMMAND_TIMEOUT_MS = 5000;

let redisProc: RedisProcess;
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  redisProc = await startRedis({ appendfsync: 'always' });
  onTeardown(() => redisProc.stop());
  server = await startServer({
    redisUrl: redisProc.url,
    workers: 2,
    env: { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), RATE_LIMIT_MESSAGES: '100000' },
  });
  redis = redisClient(redisProc.url);
});

const health = () => api(server.url, '/healthz').then((r) => r.status);

/** Sends one action and resolves with its reply and how long it took; no reply in 3 s fails as a hang. */
async function timed(client: TestClient, action: string, data: unknown): Promise<{ reply: Frame; ms: number }> {
  const started = Date.now();
  const reply = await client.request(action, data, 3000);
  return { reply, ms: Date.now() - started };
}

describe('Redis restarted under traffic', () => {
  it('refuses fast with internal during the outage, reconnects by itself, and loses nothing acked', async () => {
    const ana = await watchedClient(server.url, 'Ana');
    const bia = await watchedClient(server.url, 'Bia');
    const caio = await watchedClient(server.url, 'Caio');
    // A raw connection: it probes the outage, and as a receiver it has no gap fill of its own.
    const dora = await connectAuthed(server);
    const { chat_id: chatId } = await ana.sdk.createPublicChat('redis-restart');
    await bia.sdk.joinChat(chatId);
    await caio.sdk.joinChat(chatId);
    await joinChat(dora.client, chatId);
    const seen = recordAll([ana, bia, caio], chatId);

    const PER_SENDER = 80;
    const traffic = [sdkTraffic(ana, chatId, 'ana', PER_SENDER, 20), sdkTraffic(bia, chatId, 'bia', PER_SENDER, 20)];
    await waitFor(
      () => traffic[0]!.sent,
      (n) => n >= 20,
      { what: 'a quarter of the traffic' },
    );

    await redisProc.kill('SIGKILL');
    await waitFor(health, (s) => s === 503, { timeoutMs: 10_000, what: '/healthz to answer 503' });

    // During the outage: each action is refused with `internal`, well before the command timeout.
    const probes = [
      ['send_message', { chat_id: chatId, body: 'during 1', client_msg_id: 'outage-1' }],
      ['create_public_chat', { title: 'during the outage' }],
      ['sync', { chat_id: chatId, after_id: 0 }],
      ['send_message', { chat_id: chatId, body: 'during 2', client_msg_id: 'outage-2' }],
    ] as const;
    for (const [action, data] of probes) {
      const { reply, ms } = await timed(dora.client, action, data);
      expect(reply, `${action} during the outage`).toMatchObject({ type: 'error', error: 'internal', action });
      expect(ms, `${action} answered in ${ms} ms`).toBeLessThan(1000);
    }
    await sleep(500); // the outage lasts a while longer under traffic (the SDKs queue and retry)
    expect(await health()).toBe(503);
    // Not vacuous: the SDKs' sends hit the outage too (refused, kept in their outboxes, retried).
    const refusedSends = server.logs().filter((l) => l.msg === 'action failed' && l.action === 'send_message');
    expect(refusedSends.length).toBeGreaterThan(probes.length);

    await redisProc.start();
    // Nobody tells the server: it reconnects by itself.
    await waitFor(health, (s) => s === 200, { timeoutMs: 15_000, what: '/healthz to answer 200 again' });

    await Promise.all(traffic.map((t) => t.done));
    await Promise.all([ana, bia].map((c) => outboxDrained(c, 30_000)));
    const total = 2 * PER_SENDER;
    for (const record of seen.values()) await untilCount(record, total, 20_000);
    const acked = allAcked([ana, bia]);
    expect(acked.size).toBe(total);
    expectEachOnceInOrder(seen, chatId, total, acked);

    // No half-write: the list holds ids 1..last_id, each acked send once, and none of the refused probes.
    const stored = await storedMessages(redis, chatId);
    expect(stored.map((m) => m.id)).toEqual(upTo(total));
    expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(total);
    expect(await redis.llen(keys.messages(chatId))).toBe(total);
    for (const [clientMsgId, { id }] of acked) expect(stored[id - 1]?.client_msg_id).toBe(clientMsgId);
    expect(stored.filter((m) => String(m.client_msg_id).startsWith('outage-'))).toEqual([]);

    // The raw connection lived through it (the server resubscribed and caught it up): each id once, in order.
    await waitFor(
      () => rawIds(dora.client, chatId).length,
      (n) => n >= total,
      { what: `the raw client to receive ${total} messages`, timeoutMs: 10_000 },
    ).catch(() => {});
    expect(rawIds(dora.client, chatId)).toEqual(upTo(total));

    // And the server serves as before.
    const { reply, ms } = await timed(dora.client, 'send_message', { chat_id: chatId, body: 'after' });
    expect(reply).toMatchObject({ type: 'ack', server_msg_id: total + 1 });
    expect(ms).toBeLessThan(1000);
  });
});

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinChat } from '../helpers/chat-actions.js';
import { keys, redisClient, storedMessages } from '../helpers/redis.js';
import { type RedisProcess, redisRaw, startRedis } from '../helpers/redis-process.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import { TestClient } from '../helpers/ws-client.js';
import { untilCount } from '../sdk/sdk-helpers.js';
import {
  allAcked,
  expectEachOnceInOrder,
  outboxDrained,
  recordAll,
  sdkTraffic,
  sleep,
  upTo,
  watchedClient,
} from './fault-helpers.js';

/**
 * SIGTERM to a server instance with open connections and an action in flight: it refuses new connections,
 * lets the in-flight action finish (its ack goes out), then closes every socket with 1012 (service restart).
 * An SDK client behind a load balancer (a TCP proxy, switched to the other instance as the first goes away)
 * reconnects to the other instance and resyncs: nothing lost, nothing twice. Two instances share this file's
 * own Redis, which `CLIENT PAUSE` holds still for a moment so the action is reliably in flight.
 */
const PAUSE_MS = 2500;

let redisProc: RedisProcess;
let serverA: ServerProcess;
let serverB: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  redisProc = await startRedis();
  onTeardown(() => redisProc.stop());
  const env = { RATE_LIMIT_MESSAGES: '100000', SHUTDOWN_GRACE_MS: '10000', REDIS_COMMAND_TIMEOUT_MS: '5000' };
  [serverA, serverB] = await Promise.all([
    startServer({ redisUrl: redisProc.url, env }),
    startServer({ redisUrl: redisProc.url, env }),
  ]);
  redis = redisClient(redisProc.url);
});

describe('graceful shutdown (SIGTERM)', () => {
  it('refuses new connections, finishes the in-flight action, closes with 1012; SDK clients move over', async () => {
    const balancer = await startTcpProxy(serverA.port);
    const ana = await watchedClient(balancer.url, 'Ana'); // on A, through the balancer
    const bia = await watchedClient(serverB.url, 'Bia'); // on B
    const caio = await connectAuthed(serverA); // raw, on A: sends the in-flight action
    const duda = await connectAuthed(serverA); // raw, on A: idle
    const { chat_id: chatId } = await bia.sdk.createPublicChat('graceful');
    await ana.sdk.joinChat(chatId);
    await joinChat(caio.client, chatId);
    await joinChat(duda.client, chatId);
    const seen = recordAll([ana, bia], chatId);

    // Traffic from both sides that outlasts A: Ana keeps sending while she moves over.
    const [BIA_SENDS, ANA_SENDS] = [100, 150];
    const traffic = [sdkTraffic(bia, chatId, 'bia', BIA_SENDS, 20), sdkTraffic(ana, chatId, 'ana', ANA_SENDS, 30)];
    await waitFor(
      () => traffic[0]!.sent,
      (n) => n >= 15,
      { what: 'traffic to be flowing' },
    );

    // Hold Redis writes still, start an action on A, and stop A while that action waits.
    expect(await redisRaw(redisProc.port, ['CLIENT', 'PAUSE', String(PAUSE_MS), 'WRITE'])).toMatch(/^\+OK/);
    const pausedAt = Date.now();
    caio.client.send('send_message', { chat_id: chatId, body: 'in flight', client_msg_id: 'in-flight' }, 'in-flight');
    let ackAt = 0;
    const ack = caio.client
      .nextWhere((f) => f.request_id === 'in-flight', 15_000)
      .then((frame) => {
        ackAt = Date.now();
        return frame;
      });
    let closedAt = 0;
    const caioClosed = caio.client.closed.then((info) => {
      closedAt = Date.now();
      return info;
    });
    await sleep(100);
    serverA.kill('SIGTERM');
    balancer.retarget(serverB.port);
    await serverA.waitForLog((l) => l.msg === 'stopping');

    // While the action is in flight: a new connection is refused, the open ones are still open.
    const attempt = await waitFor(
      () =>
        TestClient.connect(serverA.wsUrl, { timeoutMs: 500 }).then(
          async (client) => {
            await client.close();
            return 'accepted';
          },
          (err: Error) => err.message,
        ),
      (outcome) => outcome !== 'accepted',
      { what: 'a new connection to A to be refused', timeoutMs: 1000, intervalMs: 20 },
    );
    expect(attempt).toMatch(/503|ECONNREFUSED|ECONNRESET|socket hang up/);
    expect(Date.now() - pausedAt, 'still within the pause: the action is still in flight').toBeLessThan(PAUSE_MS);
    expect(caio.client.isOpen && duda.client.isOpen, 'open connections wait for the in-flight action').toBe(true);

    // The action finishes (its ack arrives), then the connections close with 1012, and A exits cleanly.
    expect(await ack).toMatchObject({ type: 'ack', client_msg_id: 'in-flight' });
    expect((await caioClosed).code).toBe(1012);
    expect((await duda.client.closed).code).toBe(1012);
    expect(ackAt).toBeGreaterThanOrEqual(pausedAt + PAUSE_MS - 200);
    expect(ackAt).toBeLessThanOrEqual(closedAt);
    expect(await serverA.exited).toEqual({ code: 0, signal: null });

    // Ana's SDK came back through the balancer, now to B, and resynced; her queued sends went out once.
    await waitFor(
      () => ana.auths,
      (n) => n >= 2,
      { what: 'Ana to reconnect (to B)' },
    );
    expect(traffic[1]!.sent, 'Ana was still sending when A went away').toBeLessThan(ANA_SENDS);
    await Promise.all(traffic.map((t) => t.done));
    await Promise.all([ana, bia].map((c) => outboxDrained(c)));
    const total = BIA_SENDS + ANA_SENDS + 1;
    for (const record of seen.values()) await untilCount(record, total);
    const acked = allAcked([ana, bia]);
    acked.set('in-flight', { chatId, id: (await ack).server_msg_id as number });
    expect(acked.size).toBe(total);
    expectEachOnceInOrder(seen, chatId, total, acked);
    const stored = await storedMessages(redis, chatId);
    expect(stored.map((m) => m.id)).toEqual(upTo(total));
    expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(total);
  });
});

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinChat } from '../helpers/chat-actions.js';
import { api } from '../helpers/http.js';
import { keys, redisClient, storedMessages } from '../helpers/redis.js';
import { type RedisProcess, startRedis } from '../helpers/redis-process.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { connectAuthed, type Session } from '../helpers/session.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import type { Frame } from '../helpers/ws-client.js';
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
 * Redis frozen (SIGSTOP) for 5 s, then thawed (SIGCONT): its sockets stay open, so only the command timeout
 * stands between a client and a hang. Actions during the freeze must fail with `internal` in bounded time,
 * nothing acknowledged may be lost, and once Redis runs again actions must succeed within seconds.
 */
const COMMAND_TIMEOUT_MS = 1000;
const PAUSE_MS = 5000;

let redisProc: RedisProcess;
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  redisProc = await startRedis();
  onTeardown(() => redisProc.stop());
  server = await startServer({
    redisUrl: redisProc.url,
    env: { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), RATE_LIMIT_MESSAGES: '100000' },
  });
  redis = redisClient(redisProc.url);
  // Registered last so it runs first: whatever failed, thaw Redis before anything (this file's Redis client,
  // the server's drain) waits on it, and never leave a stopped redis-server behind.
  onTeardown(() => {
    const pid = redisProc.pid();
    if (pid && redisProc.running()) process.kill(pid, 'SIGCONT');
  });
});

/** What the scenario saw, for the checks after it. */
const outcome = { done: false, chatId: '', refused: [] as string[] };

/** One send; a reply later than 4 s fails the test as a hang (the bound asserted below is 3 s). */
async function probe(session: Session, chatId: string, clientMsgId: string): Promise<{ reply: Frame; ms: number }> {
  const started = Date.now();
  const reply = await session.client.request(
    'send_message',
    { chat_id: chatId, body: clientMsgId, client_msg_id: clientMsgId },
    4000,
  );
  return { reply, ms: Date.now() - started };
}

describe('Redis paused with SIGSTOP for 5 s', () => {
  it('actions fail with internal in bounded time, nothing acked is lost, service is back within seconds', async () => {
    const ana = await watchedClient(server.url, 'Ana');
    const bia = await watchedClient(server.url, 'Bia');
    const caio = await connectAuthed(server);
    const { chat_id: chatId } = await ana.sdk.createPublicChat('redis-pause');
    outcome.chatId = chatId;
    await bia.sdk.joinChat(chatId);
    await joinChat(caio.client, chatId);
    const seen = recordAll([ana, bia], chatId);

    // Ana sends every 25 ms for 7.5 s: before, through and after the freeze.
    const SENDS = 300;
    const traffic = sdkTraffic(ana, chatId, 'ana', SENDS, 25);
    await waitFor(
      () => traffic.sent,
      (n) => n >= 20,
      { what: 'traffic to be flowing' },
    );

    const pid = redisProc.pid()!;
    process.kill(pid, 'SIGSTOP');
    const pausedAt = Date.now();

    // During the freeze: every action is answered, with `internal`, within the bound.
    let k = 0;
    while (Date.now() - pausedAt < PAUSE_MS - 1500) {
      const clientMsgId = `pause-${++k}`;
      const { reply, ms } = await probe(caio, chatId, clientMsgId);
      expect(reply, `${clientMsgId} during the freeze`).toMatchObject({ type: 'error', error: 'internal' });
      expect(ms, `${clientMsgId} answered after ${ms} ms`).toBeLessThan(3000);
      outcome.refused.push(clientMsgId);
      await sleep(200);
    }
    expect(outcome.refused.length).toBeGreaterThanOrEqual(2);
    const started = Date.now();
    const health = await api(server.url, '/healthz');
    expect(health.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);

    await sleep(Math.max(0, PAUSE_MS - (Date.now() - pausedAt)));
    process.kill(pid, 'SIGCONT');
    const resumedAt = Date.now();

    // Back within seconds: the first send that is acknowledged, then ten in a row at normal speed.
    let recovered = false;
    for (let i = 1; !recovered; i++) {
      const { reply } = await probe(caio, chatId, `recover-${i}`);
      recovered = reply.type === 'ack';
      if (!recovered) expect(reply).toMatchObject({ type: 'error', error: 'internal' });
      expect(Date.now() - resumedAt, 'time to the first ack after SIGCONT').toBeLessThan(5000);
    }
    for (let i = 1; i <= 10; i++) {
      const { reply, ms } = await probe(caio, chatId, `normal-${i}`);
      expect(reply.type).toBe('ack');
      expect(ms, `send ${i} after recovery took ${ms} ms`).toBeLessThan(1000);
    }
    await waitFor(
      () => api(server.url, '/healthz').then((r) => r.status),
      (s) => s === 200,
      { what: '/healthz 200 again' },
    );

    // Nothing acknowledged is lost: every SDK send acked once (retries are idempotent), every member gets
    // ids 1..last_id once each, in order.
    await traffic.done;
    await outboxDrained(ana, 30_000);
    const acked = allAcked([ana]);
    expect(acked.size).toBe(SENDS);
    const total = Number(await redis.hget(keys.chat(chatId), 'last_id'));
    for (const record of seen.values()) await untilCount(record, total, 20_000);
    expectEachOnceInOrder(seen, chatId, total, acked);
    const stored = await storedMessages(redis, chatId);
    expect(stored.map((m) => m.id)).toEqual(upTo(total));
    expect(stored.filter((m) => String(m.body).startsWith('ana-'))).toHaveLength(SENDS);
    for (const ack of caio.client.all('ack')) {
      expect(stored[ack.server_msg_id - 1]?.client_msg_id).toBe(ack.client_msg_id);
    }
    await waitFor(
      () => rawIds(caio.client, chatId).length,
      (n) => n >= total,
      { what: 'the raw client to receive every message', timeoutMs: 10_000 },
    ).catch(() => {});
    expect(rawIds(caio.client, chatId)).toEqual(upTo(total));
    outcome.done = true;
  });

  it('a send answered `internal` during the freeze was not stored after all (internal = not done)', async () => {
    expect(outcome.done, 'the scenario above completed').toBe(true);
    const stored = await storedMessages(redis, outcome.chatId);
    const phantoms = stored.filter((m) => outcome.refused.includes(String(m.client_msg_id)));
    expect(
      phantoms.map((m) => ({ id: m.id, client_msg_id: m.client_msg_id })),
      `sends refused with internal but stored once Redis resumed (of ${outcome.refused.join(', ')})`,
    ).toEqual([]);
  });
});

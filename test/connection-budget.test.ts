import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat, sendText } from './helpers/chat-actions.js';
import { redisClient } from './helpers/redis.js';
import { type RedisProcess, startRedis } from './helpers/redis-process.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, users } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';

/**
 * What one connection can make the server do (issue 16, findings 4 and 5): a budget of actions per second
 * (WS_RATE_BURST units, refilled WS_RATE_PER_S a second; `rate_limited` past it, and a client that ignores
 * `retry_after` for long is cut), and a cap on actions under way (MAX_IN_FLIGHT_PER_CONNECTION), past which the
 * server stops reading the socket rather than piling up work for a client that does not read its answers.
 * Its own Redis, so its commands can be counted.
 */
const BURST = 40;
const IN_FLIGHT = 4;
let redisProc: RedisProcess;
let redis: Redis;
let server: ServerProcess;
/** The same service with a budget that does not get in the way: for the backpressure test's bulk writes. */
let roomy: ServerProcess;

beforeAll(async () => {
  redisProc = await startRedis();
  onTeardown(() => redisProc.stop());
  redis = redisClient(redisProc.url);
  // No heartbeat (nor a lease that lapses) while the file runs: a heartbeat is two scripts per server, which
  // the backpressure test's count of scripts took for pages fetched (+4 at once, two servers, under load).
  const env = {
    MAX_IN_FLIGHT_PER_CONNECTION: String(IN_FLIGHT),
    RATE_LIMIT_MESSAGES: '100000',
    PRESENCE_HEARTBEAT_MS: '600000',
    PRESENCE_LEASE_MS: '1200000',
  };
  [server, roomy] = await Promise.all([
    startServer({ redisUrl: redisProc.url, env: { ...env, WS_RATE_BURST: String(BURST), WS_RATE_PER_S: '10' } }),
    startServer({ redisUrl: redisProc.url, env: { ...env, WS_RATE_BURST: '100000' } }),
  ]);
});

async function scriptCalls(): Promise<number> {
  const stats = await redis.info('commandstats');
  return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('the per-connection budget', () => {
  it('a typing flood is refused past the burst with retry_after; the members get a bounded number; the flooder is cut', async () => {
    const [flooder, ...members] = await users(server, 4);
    const chatId = await createPublicChat(flooder!.client);
    for (const member of members) await joinChat(member.client, chatId);

    const FRAMES = 3000;
    for (let i = 0; i < FRAMES; i++) flooder!.client.send('typing', { chat_id: chatId, is_typing: i % 2 === 0 });
    const refused = await flooder!.client.next('error', (e) => e.error === 'rate_limited');
    expect(refused).toMatchObject({ action: 'typing', retry_after: expect.any(Number) });
    // It kept going long past retry_after: the server closes it (policy).
    expect((await flooder!.client.closed).code).toBe(1008);

    // Meanwhile an unrelated DM goes through.
    const [ana, bia] = await users(server, 2);
    const dm = await createDm(ana!.client, bia!.userId);
    expect((await sendText(ana!.client, dm.chat_id)).type).toBe('ack');

    // Members heard at most what the budget let through (the burst and what refilled meanwhile).
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const member of members) expect(member.client.all('typing').length).toBeLessThan(BURST * 2);
  });

  it('a client that stays within retry_after is served again', async () => {
    const ana = await connectAuthed(server);
    const chatId = await createPublicChat(ana.client);
    for (let i = 0; i < BURST + 10; i++) ana.client.send('typing', { chat_id: chatId, is_typing: true });
    const refused = await ana.client.next('error', (e) => e.error === 'rate_limited');
    await new Promise((resolve) => setTimeout(resolve, (refused.retry_after ?? 1) * 1000 + 200));
    expect((await sendText(ana.client, chatId)).type).toBe('ack');
    expect(ana.client.isOpen).toBe(true);
  });
});

describe('actions under way (backpressure)', () => {
  it('pipelined syncs for big pages from a client that reads nothing run a few at a time, not all at once', async () => {
    const writer = await connectAuthed(roomy);
    const chatId = await createPublicChat(writer.client);
    const big = 'x'.repeat(4000);
    for (let i = 0; i < 200; i++) writer.client.send('send_message', { chat_id: chatId, body: big });
    await writer.client.collect('ack', 200, () => true, 20_000);

    const reader = await connectAuthed(roomy);
    await joinChat(reader.client, chatId);
    // The reader stops reading its socket, then asks for 100 pages of ~800 KB.
    (reader.client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const before = await scriptCalls();
    const SYNCS = 100;
    for (let i = 0; i < SYNCS; i++) reader.client.send('sync', { chat_id: chatId, after_id: 0, limit: 200 });
    // The server answers what it took on, finds the socket not taking its answers, and stops: it does not go
    // on fetching pages (nor drop the socket before it gave each action its turn). Stopped is when no script
    // has run for QUIET_MS (waited for, not assumed after a fixed 1.5 s, which a busy machine may not keep);
    // nothing more runs after that while the client still reads nothing.
    const QUIET_MS = 2000;
    let ran = (await scriptCalls()) - before;
    let quietSince = Date.now();
    const deadline = Date.now() + 30_000;
    while (Date.now() - quietSince < QUIET_MS) {
      expect(Date.now(), `script calls still growing (${ran}) 30 s on`).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = (await scriptCalls()) - before;
      if (now !== ran) {
        ran = now;
        quietSince = Date.now();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect((await scriptCalls()) - before).toBe(ran);
    // A page is two scripts (the read budget's count, the read): what ran is what the socket's buffers took
    // (the kernel's too, a few MiB on loopback) and the actions under way, far from the hundred asked for.
    expect(ran / 2).toBeGreaterThan(0);
    expect(ran / 2).toBeLessThan(SYNCS / 2);
    // The worker's Redis memory for client output never held the hundred pages.
    const info = await redis.info('memory');
    const peak = Number(/used_memory_peak:(\d+)/.exec(info)?.[1]);
    expect(peak).toBeLessThan(200 * 1024 * 1024);
  });
});

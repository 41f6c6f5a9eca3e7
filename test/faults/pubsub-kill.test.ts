import { beforeAll, describe, expect, it } from 'vitest';
import { joinChat, sendText } from '../helpers/chat-actions.js';
import { type RedisProcess, redisRaw, startRedis } from '../helpers/redis-process.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { connectWithToken, type Session } from '../helpers/session.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import { usersAcrossWorkers } from '../helpers/workers.js';
import type { TestClient } from '../helpers/ws-client.js';
import { untilCount } from '../sdk/sdk-helpers.js';
import { expectEachOnceInOrder, rawIds, recordAll, sleep, upTo, watchedOnWorker } from './fault-helpers.js';

/**
 * `CLIENT KILL TYPE pubsub`: every worker's subscriber connection is cut while messages flow. Pub/Sub is
 * at-most-once, so what was published while a worker was not subscribed is gone from the bus; the worker
 * must resubscribe and fetch what its chats missed, so every connection (raw ones, which fill no gap
 * themselves, and SDK ones) still gets each id exactly once, in order. This file's own Redis: the kill would
 * hit every other file's servers on the shared one.
 */
let redisProc: RedisProcess;
let server: ServerProcess;

beforeAll(async () => {
  redisProc = await startRedis();
  onTeardown(() => redisProc.stop());
  server = await startServer({ redisUrl: redisProc.url, workers: 2, env: { RATE_LIMIT_MESSAGES: '100000' } });
});

/** `CLIENT KILL TYPE pubsub`; resolves with how many connections Redis cut. */
async function killPubsub(): Promise<number> {
  const reply = await redisRaw(redisProc.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
  return Number(/^:(\d+)/.exec(reply)?.[1] ?? Number.NaN);
}

/** Both workers subscribed again (each logs `redis ready` for its subscriber on every reconnect). */
function subscriberReadies(): number {
  return server.logs().filter((l) => l.msg === 'redis ready' && l.redis === 'subscriber').length;
}

/** `count` acknowledged sends, one every `everyMs`; resolves with the acked ids and when each ack came. */
async function rawTraffic(client: TestClient, chatId: string, tag: string, count: number, everyMs: number) {
  const acks: Array<{ id: number; at: number }> = [];
  for (let i = 1; i <= count; i++) {
    acks.push({ id: (await sendText(client, chatId, `${tag}-${i}`, `${tag}-${i}`)).server_msg_id, at: Date.now() });
    await sleep(everyMs);
  }
  return acks;
}

describe('the Pub/Sub connection killed under traffic', () => {
  it('every connection, raw or SDK, gets each id once, in order: 0 missing, 0 duplicated', async () => {
    const workers = server.liveWorkerPids().sort((a, b) => a - b);
    const raw = (await usersAcrossWorkers(server, 4)) as Array<Session & { pid: number }>;
    const sdkA = await watchedOnWorker(server, 'SdkA', workers[0]!);
    const sdkB = await watchedOnWorker(server, 'SdkB', workers[1]!);
    const { chat_id: chatId } = await sdkA.sdk.createPublicChat('pubsub-kill');
    for (const r of raw) await joinChat(r.client, chatId);
    await sdkB.sdk.joinChat(chatId);
    const seen = recordAll([sdkA, sdkB], chatId);

    // Two raw senders, one on each worker, every 10 ms; three kills spread over the traffic.
    const PER_SENDER = 120;
    const baseline = subscriberReadies();
    const traffic = Promise.all([
      rawTraffic(raw[0]!.client, chatId, 'a', PER_SENDER, 10),
      rawTraffic(raw[1]!.client, chatId, 'b', PER_SENDER, 10),
    ]);
    const kills: Array<{ cut: number; at: number }> = [];
    for (const pause of [300, 400, 400]) {
      await sleep(pause);
      const at = Date.now();
      kills.push({ cut: await killPubsub(), at });
    }
    const acks = (await traffic).flat();
    const total = 2 * PER_SENDER;
    expect(acks.map((a) => a.id).sort((a, b) => a - b)).toEqual(upTo(total));

    // Each kill cut both workers' subscribers, and each worker subscribed again after each.
    expect(kills.map((k) => k.cut)).toEqual([2, 2, 2]);
    await waitFor(subscriberReadies, (n) => n >= baseline + 2 * kills.length, {
      what: 'every subscriber to be ready again after each kill',
    });
    // Not vacuous: after each kill, messages were stored while some worker was not subscribed (before its
    // subscriber's next `redis ready`), so Pub/Sub lost them for that worker.
    const readyTimes = server
      .logs()
      .filter((l) => l.msg === 'redis ready' && l.redis === 'subscriber')
      .map((l) => Number(l.time));
    for (const { at } of kills) {
      const resubscribed = Math.max(...readyTimes.filter((t) => t > at).slice(0, 2));
      const inTheVoid = acks.filter((a) => a.at > at + 5 && a.at < resubscribed);
      expect(inTheVoid.length, `messages acked between a kill and the resubscribe`).toBeGreaterThan(0);
    }

    await waitFor(
      () => raw.every((r) => rawIds(r.client, chatId).length >= total),
      (done) => done,
      { what: `every raw client to receive ${total} messages`, timeoutMs: 10_000 },
    ).catch(() => {}); // the check below says what is missing
    for (const [i, r] of raw.entries()) {
      expect(rawIds(r.client, chatId), `raw client ${i} (worker ${r.pid})`).toEqual(upTo(total));
    }
    for (const record of seen.values()) await untilCount(record, total);
    const ackedByCmid = new Map(
      raw
        .slice(0, 2)
        .flatMap((r) => r.client.all('ack'))
        .map((a) => [a.client_msg_id!, { chatId, id: a.server_msg_id }]),
    );
    expectEachOnceInOrder(seen, chatId, total, ackedByCmid);
  });

  it('messages sent during the cut with nothing after them still arrive (fetched on resubscribe)', async () => {
    const raw = (await usersAcrossWorkers(server, 2)) as Array<Session & { pid: number }>;
    const chatId = (await raw[0]!.client.request('create_public_chat', { title: 'trailing' })).chat_id as string;
    await joinChat(raw[1]!.client, chatId);
    await sendText(raw[0]!.client, chatId, 'before', 'before');
    for (const r of raw) await r.client.next('message_created', (e) => e.chat_id === chatId && e.message.id === 1);

    // No later message reveals a gap here: only the worker's fetch after resubscribing can deliver these.
    const baseline = subscriberReadies();
    expect(await killPubsub()).toBe(2);
    for (let i = 1; i <= 3; i++) await sendText(raw[1]!.client, chatId, `during ${i}`, `during-${i}`);
    await waitFor(subscriberReadies, (n) => n >= baseline + 2, { what: 'both subscribers ready again' });
    for (const r of raw) {
      await r.client.next('message_created', (e) => e.chat_id === chatId && e.message.id === 4).catch(() => {});
      expect(rawIds(r.client, chatId), `raw client on worker ${r.pid}`).toEqual([1, 2, 3, 4]);
    }
  });

  it('a chat whose connections just authenticated (no message seen yet) misses nothing sent during the cut', async () => {
    // Users who come back (auth) to a chat: the worker follows it from "now", knowing no id yet.
    const raw = (await usersAcrossWorkers(server, 2)) as Array<Session & { pid: number }>;
    const chatId = (await raw[0]!.client.request('create_public_chat', { title: 'fresh' })).chat_id as string;
    await joinChat(raw[1]!.client, chatId);
    await sendText(raw[0]!.client, chatId, 'before', 'before');
    await waitFor(
      () => rawIds(raw[1]!.client, chatId).length,
      (n) => n === 1,
      { what: 'the first message to arrive' },
    );
    for (const r of raw) await r.client.close();
    const back = await Promise.all(raw.map((r) => connectWithToken(server, r.token)));

    // Cut the subscribers and send at once: the ioredis reconnect takes ~100 ms, so these are published
    // while no worker listens. Then one more after everyone is subscribed again.
    const baseline = subscriberReadies();
    expect(await killPubsub()).toBe(2);
    const during = await sendText(back[0]!, chatId, 'during', 'during');
    await waitFor(subscriberReadies, (n) => n >= baseline + 2, { what: 'both subscribers ready again' });
    await sleep(100);
    const after = await sendText(back[0]!, chatId, 'after', 'after');
    expect([during.server_msg_id, after.server_msg_id]).toEqual([2, 3]);

    for (const client of back) {
      await client.next('message_created', (e) => e.chat_id === chatId && e.message.id === 3);
      expect(rawIds(client, chatId), 'ids received since the reconnect').toEqual([2, 3]);
    }
  });
});

import type { ServerEventOf } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinChat } from '../helpers/chat-actions.js';
import { api } from '../helpers/http.js';
import { keys, redisClient, storedMessages } from '../helpers/redis.js';
import { type ServerProcess, START_TIMEOUT_MS, startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';
import { connectOnWorker } from '../helpers/workers.js';
import { untilCount } from '../sdk/sdk-helpers.js';
import {
  allAcked,
  expectEachOnceInOrder,
  outboxDrained,
  recordAll,
  sdkTraffic,
  sleep,
  upTo,
  watchedOnWorker,
} from './fault-helpers.js';

/**
 * A cluster worker SIGKILLed in the middle of steady traffic: the primary replaces it, its SDK clients
 * reconnect and resync, every acknowledged message reaches every member once and in order, and presence of
 * its users is right within the lease (short here, so the test does not wait the default 30 s).
 */
const HEARTBEAT_MS = 500;
const LEASE_MS = 2000;

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({
    workers: 2,
    env: {
      PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS),
      PRESENCE_LEASE_MS: String(LEASE_MS),
      RATE_LIMIT_MESSAGES: '100000',
    },
  });
  redis = redisClient();
});

describe('a worker SIGKILLed under steady traffic', () => {
  it('is replaced; its SDK clients resync; every acked message reaches every member once, in order', async () => {
    const [victim, survivor] = server.liveWorkerPids().sort((a, b) => a - b) as [number, number];
    // Two SDK users on each worker, and a raw connection (it never reconnects) on the one to be killed.
    const ana = await watchedOnWorker(server, 'Ana', victim);
    const bia = await watchedOnWorker(server, 'Bia', survivor);
    const caio = await watchedOnWorker(server, 'Caio', victim);
    const duda = await watchedOnWorker(server, 'Duda', survivor);
    const eva = await connectOnWorker(
      server,
      () => connectAuthed(server),
      (pid) => pid === victim,
    );

    const { chat_id: group } = await ana.sdk.createPublicChat('worker-kill');
    for (const member of [bia, caio, duda]) await member.sdk.joinChat(group);
    await joinChat(eva.client, group);
    const { chat_id: dm } = await caio.sdk.createDm(duda.sdk.userId!);

    const groupSeen = recordAll([ana, bia, caio, duda], group);
    const dmSeen = recordAll([caio, duda], dm);
    const presenceSeen: Array<ServerEventOf<'presence'>> = [];
    bia.sdk.on('presence', (p) => presenceSeen.push(p));

    // Three senders in the group (two of them on the doomed worker) and one in the DM, every 20-25 ms.
    const PER_SENDER = 60;
    const DM_SENDS = 40;
    const traffic = [
      sdkTraffic(ana, group, 'ana', PER_SENDER, 20),
      sdkTraffic(bia, group, 'bia', PER_SENDER, 20),
      sdkTraffic(caio, group, 'caio', PER_SENDER, 20),
      sdkTraffic(duda, dm, 'duda', DM_SENDS, 25),
    ];
    await waitFor(
      () => traffic[0]!.sent,
      (n) => n >= 20,
      { what: 'a third of the traffic' },
    );
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    // The raw user, who will not come back, must go offline within lease + heartbeat (+ slack for load).
    const presenceBound = LEASE_MS + HEARTBEAT_MS + 5000;
    const evaOfflineAt = waitFor(
      () => redis.sismember(keys.onlineUsers, eva.userId),
      (n) => n === 0,
      { what: 'the raw user of the killed worker to go offline', timeoutMs: presenceBound },
    ).then(
      () => Date.now(),
      () => Number.POSITIVE_INFINITY,
    );

    // The primary replaces it.
    const replaced = await server.waitForLog((l) => l.msg === 'worker replaced', 10_000);
    expect(replaced).toMatchObject({ pid: victim, signal: 'SIGKILL' });
    await waitFor(
      () => server.liveWorkerPids(),
      (pids) => pids.length === 2 && !pids.includes(victim),
      { what: 'two live workers again, the killed one not among them', timeoutMs: START_TIMEOUT_MS },
    );
    const closed = await eva.client.closed;
    expect(closed.code).toBe(1006);

    // Every send is acknowledged in the end (the SDK re-sends what it had in flight, with the same id).
    await Promise.all(traffic.map((t) => t.done));
    await Promise.all([ana, bia, caio, duda].map((c) => outboxDrained(c)));
    expect(ana.auths, 'Ana reconnected').toBeGreaterThanOrEqual(2);
    expect(caio.auths, 'Caio reconnected').toBeGreaterThanOrEqual(2);

    const groupTotal = 3 * PER_SENDER;
    for (const seen of groupSeen.values()) await untilCount(seen, groupTotal);
    for (const seen of dmSeen.values()) await untilCount(seen, DM_SENDS);
    const acked = allAcked([ana, bia, caio, duda]);
    expect(acked.size).toBe(groupTotal + DM_SENDS);
    expectEachOnceInOrder(groupSeen, group, groupTotal, acked);
    expectEachOnceInOrder(dmSeen, dm, DM_SENDS, acked);

    // What Redis holds: no gap, no repeat, each send stored once.
    for (const [chatId, total] of [
      [group, groupTotal],
      [dm, DM_SENDS],
    ] as const) {
      const stored = await storedMessages(redis, chatId);
      expect(stored.map((m) => m.id)).toEqual(upTo(total));
      expect(new Set(stored.map((m) => m.body)).size).toBe(total);
      expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(total);
    }

    // Presence: the raw user, who did not come back, went offline within the bound; the SDK users of the
    // killed worker, who reconnected, are online; nobody on the survivor moved.
    expect((await evaOfflineAt) - killedAt, 'ms from the kill to Eva offline in Redis').toBeLessThan(presenceBound);
    await waitFor(
      () => presenceSeen.filter((p) => p.user_id === eva.userId).at(-1)?.status,
      (s) => s === 'offline',
      { what: 'Bia to hear that Eva went offline' },
    );
    // One more heartbeat after the reap, so a wrong "offline" for a reconnected user would have landed.
    await sleep(2 * HEARTBEAT_MS);
    for (const user of [ana, caio, bia, duda]) {
      const userId = user.sdk.userId!;
      expect(await redis.sismember(keys.onlineUsers, userId), `${user.name} online in Redis`).toBe(1);
      const details = await api(server.url, `/api/users/${userId}`, { token: bia.sdk.session!.token });
      expect(details.body.online, `${user.name} online over HTTP`).toBe(true);
      const last = presenceSeen.filter((p) => p.user_id === userId).at(-1);
      if (last) expect(last.status, `the last presence Bia heard for ${user.name}`).toBe('online');
    }
    const evaDetails = await api(server.url, `/api/users/${eva.userId}`, { token: bia.sdk.session!.token });
    expect(evaDetails.body.online).toBe(false);
  });
});

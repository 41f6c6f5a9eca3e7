import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat } from '../helpers/chat-actions.js';
import { redisClient } from '../helpers/redis.js';
import { type RedisProcess, startRedis } from '../helpers/redis-process.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import { sleep } from './fault-helpers.js';

/**
 * The cause of "one worker in 26 Redis restarts never came back": its Pub/Sub connection was back while its
 * command connection was not, so the catch-up it runs after resubscribing failed at once (no offline queue),
 * and the frames it had held meanwhile (other instances' messages, past a gap) asked for the same catch-up
 * again, which failed at once again… a promise loop that never yielded to the event loop: no timer, no I/O,
 * no log line, no reply, no SIGTERM. Made here on purpose: the worker's command connection is killed over and
 * over (CLIENT KILL) while its subscriber is killed once and messages keep coming from another instance.
 * Afterwards the worker must serve again.
 */
let redisProc: RedisProcess;
let redis: Redis;
let flapped: ServerProcess;
let other: ServerProcess;

beforeAll(async () => {
  redisProc = await startRedis();
  onTeardown(() => redisProc.stop());
  redis = redisClient(redisProc.url);
  const env = { RATE_LIMIT_MESSAGES: '1000000', REDIS_COMMAND_TIMEOUT_MS: '1000', PRESENCE_HEARTBEAT_MS: '250' };
  [flapped, other] = await Promise.all([
    startServer({ redisUrl: redisProc.url, env }),
    startServer({ redisUrl: redisProc.url, env }),
  ]);
});

/** Kills the Redis connections of a process whose name starts with `papo-<role>-<pid>`; how many. */
async function killConnections(role: 'command' | 'subscriber', pid: number): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  const ids = list
    .split('\n')
    .filter((row) => row.includes(` name=papo-${role}-${pid} `))
    .map((row) => /^id=(\d+)/.exec(row)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) await redis.client('KILL', 'ID', id).catch(() => 0);
  return ids.length;
}

describe("a worker whose Pub/Sub is back before its command connection, with other instances' messages", () => {
  it('catches up without starving its event loop, and serves again once the command connection is back', async () => {
    const [pid] = flapped.liveWorkerPids();
    const here = await connectAuthed(flapped);
    const there = await connectAuthed(other);
    const chatId = await createPublicChat(there.client);
    await joinChat(here.client, chatId);

    // Messages keep coming from the other instance throughout.
    let sending = true;
    const traffic = (async () => {
      for (let i = 0; sending; i++) {
        there.client.send('send_message', { chat_id: chatId, body: `m${i}` });
        await sleep(5);
      }
    })();
    // The command connection flaps for 3 s; the subscriber is cut once in the middle of it (it resubscribes,
    // and catches up what it missed while its command connection is down).
    const flapUntil = Date.now() + 3000;
    let cutSubscriber = false;
    let cutAt = 0;
    while (Date.now() < flapUntil) {
      await killConnections('command', pid!);
      if (!cutSubscriber && Date.now() > flapUntil - 2500) {
        cutAt = Date.now();
        cutSubscriber = (await killConnections('subscriber', pid!)) > 0;
      }
      await sleep(20);
    }
    sending = false;
    await traffic;
    expect(cutSubscriber).toBe(true);

    // Left alone now: the worker answers HTTP and actions again.
    await waitFor(
      () => fetch(`${flapped.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status),
      (s) => s === 200,
      { what: 'the flapped worker to answer /healthz with 200', timeoutMs: 15_000 },
    );
    const reply = await here.client.request('send_message', { chat_id: chatId, body: 'back' }, 5000);
    expect(reply.type).toBe('ack');
    // It kept logging after the cut (a starved event loop logs nothing): the resubscribe and the catch-up
    // giving way. Not "after the flapping": a catch-up that succeeded before it ended has nothing left to say.
    expect(flapped.logs().some((l) => l.pid === pid && (l.time as number) > cutAt)).toBe(true);
  }, 60_000);
});

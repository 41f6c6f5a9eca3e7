import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, sendText } from '../helpers/chat-actions.js';
import { api, login, uniq } from '../helpers/http.js';
import { startPushReceiver } from '../helpers/push-receiver.js';
import { redisClient } from '../helpers/redis.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';
import { sleep } from './fault-helpers.js';

/**
 * Contract section 13: pushes leave through a durable queue any worker takes from, so a crash loses none. The
 * worker holding pending pushes (taken from the queue, sent, not answered yet by the push service) is SIGKILLed;
 * another worker takes them over once they have been idle PUSH_CLAIM_IDLE_MS and pushes each once.
 */
const P = `${uniq('pushkill')}:`;
const CLAIM_IDLE_MS = 1500;
let server: ServerProcess;
let redis: Redis;
let receiver: Awaited<ReturnType<typeof startPushReceiver>>;

beforeAll(async () => {
  receiver = await startPushReceiver();
  server = await startServer({
    workers: 2,
    env: { REDIS_KEY_PREFIX: P, PUSH_ALLOW_INSECURE_ENDPOINTS: '1', PUSH_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS) },
  });
  redis = redisClient();
});

/** The pid in a push consumer's name (the worker id: `host:<pid in base 36><6 hex digits>`). */
function pidOf(consumer: string): number {
  const tag = consumer.slice(consumer.lastIndexOf(':') + 1);
  return Number.parseInt(tag.slice(0, -6), 36);
}

describe('a worker killed while it holds pending pushes', () => {
  it('another worker takes them over: each push reaches the device once', async () => {
    const alice = await connectAuthed(server, uniq('alice-'));
    const bob = await login(server.url, uniq('bob-'));
    const { chat_id } = await createDm(alice.client, bob.user_id);
    // A push service that takes the pushes and does not answer yet.
    const device = receiver.device(0);
    expect(
      (await api(server.url, '/api/push/subscriptions', { token: bob.token, body: device.subscription })).status,
    ).toBe(204);
    const ids: number[] = [];
    for (const body of ['one', 'two', 'three']) ids.push((await sendText(alice.client, chat_id, body)).server_msg_id);
    // Every entry taken (pending in the group); the push service holds what was sent of them.
    await waitFor(
      async () => [(await redis.xpending(`${P}push:queue`, 'push'))[0], receiver.held.length],
      ([pendingNow, held]) => pendingNow === 3 && Number(held) >= 1,
      { what: 'three entries taken, a push held by the push service' },
    );
    const pending = (await redis.xpending(`${P}push:queue`, 'push', '-', '+', 10)) as [
      string,
      string,
      number,
      number,
    ][];
    expect(pending).toHaveLength(3);
    const holders = [...new Set(pending.map(([, consumer]) => pidOf(consumer)))];
    for (const pid of holders) expect(server.liveWorkerPids()).toContain(pid);
    for (const pid of holders) process.kill(pid, 'SIGKILL');
    await waitFor(
      () => receiver.held.filter((entry) => entry.open()).length,
      (n) => n === 0,
      { what: 'the killed worker’s requests cut' },
    );
    // Nothing was taken on: the dead worker's requests were never answered.
    expect(receiver.answerHeld(201)).toBe(0);
    receiver.answerWith(device.id, 201);

    await waitFor(
      () => receiver.payloads(device.id, receiver.accepted).length,
      (n) => n >= 3,
      { what: 'the pushes taken over and delivered', timeoutMs: 30_000 },
    );
    await waitFor(
      async () => [await redis.xlen(`${P}push:queue`), (await redis.xpending(`${P}push:queue`, 'push'))[0]],
      ([queued, pendingNow]) => queued === 0 && pendingNow === 0,
      { what: 'the queue done' },
    );
    // Given another claim period, still once each: none is pushed again.
    await sleep(CLAIM_IDLE_MS * 2);
    const delivered = receiver.payloads(device.id, receiver.accepted).map((p) => p.message_id);
    expect(delivered.sort((a, b) => Number(a) - Number(b))).toEqual(ids);
  });
});

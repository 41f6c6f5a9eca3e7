import { describe, expect, it } from 'vitest';
import { createPublicChat, sendText } from '../helpers/chat-actions.js';
import { api } from '../helpers/http.js';
import { freePort, isAlive } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis-process.js';
import { type LogLine, START_TIMEOUT_MS, startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { onTeardown } from '../helpers/teardown.js';
import { sleep } from './fault-helpers.js';

/**
 * The server started while its Redis is unreachable (nothing listens on REDIS_URL's port): it must say so
 * clearly and keep retrying, not exit or crash-loop its workers, and serve as soon as Redis appears.
 */
const isWorkerLine = (l: LogLine) => l.role === 'worker' && typeof l.pid === 'number';

describe('Redis unreachable at start-up', () => {
  it('logs a clear line, retries without a crash loop, and becomes ready once Redis is there', async () => {
    const port = await freePort();
    const server = await startServer({
      redisUrl: `redis://127.0.0.1:${port}`,
      workers: 2,
      waitForReady: false,
    });

    // A clear line from each worker, at error level, saying what is wrong and what to check.
    const clear = (l: LogLine) => isWorkerLine(l) && /cannot reach redis/i.test(String(l.msg));
    // Counted from the spawn: each worker must first start (START_TIMEOUT_MS on a busy machine).
    const first = await server.waitForLog(clear, START_TIMEOUT_MS);
    await server.waitForLog((l) => clear(l) && l.pid !== first.pid, START_TIMEOUT_MS);
    expect(first.level, JSON.stringify(first)).toBeGreaterThanOrEqual(50);
    expect(String(first.msg), 'the line tells the operator what to check').toMatch(/REDIS_URL/);

    // No crash loop: for a few seconds the same two workers stay up and retry; none is replaced.
    const workerPids = () =>
      [
        ...new Set(
          server
            .logs()
            .filter(isWorkerLine)
            .map((l) => l.pid as number),
        ),
      ].sort();
    const before = workerPids();
    expect(before).toHaveLength(2);
    await sleep(3000);
    expect(workerPids()).toEqual(before);
    for (const pid of [server.pid, ...before]) expect(isAlive(pid), `pid ${pid} alive`).toBe(true);
    const logs = server.logs();
    expect(logs.filter((l) => l.msg === 'worker replaced')).toEqual([]);
    expect(logs.filter((l) => l.msg === 'papo ready')).toEqual([]);
    const retrying = logs.filter((l) => isWorkerLine(l) && l.msg === 'redis unreachable, retrying');
    expect(new Set(retrying.map((l) => l.pid)).size, 'each worker says it retries').toBe(2);
    // Not ready means not serving: nothing answers HTTP on the port yet.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    // Redis appears on that port: the same workers connect and the server becomes ready, then serves.
    const redis = await startRedis({ port });
    onTeardown(() => redis.stop());
    const ready = await server.waitForLog((l) => l.msg === 'papo ready', 15_000);
    expect([...(ready.workers as number[])].sort()).toEqual(before);
    expect(server.logs().filter((l) => l.msg === 'worker replaced')).toEqual([]);
    expect((await api(server.url, '/healthz')).status).toBe(200);
    const ana = await connectAuthed(server);
    const chatId = await createPublicChat(ana.client, 'after the outage');
    const ack = await sendText(ana.client, chatId, 'hello');
    expect(ack.server_msg_id).toBe(1);
    await ana.client.next('message_created', (e) => e.chat_id === chatId && e.message.id === 1);
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { createPublicChat, sendText } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { startRedis } from './helpers/redis-process.js';
import { startServer } from './helpers/server-process.js';
import { connectAuthed } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';
import { waitFor } from './helpers/wait.js';

const MAXMEMORY = 8 * 1024 * 1024;

/** `name value` lines of a Prometheus text exposition, as a map. */
async function scrape(url: string): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const line of (await (await fetch(url)).text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('Redis memory pressure (maxmemory 8 MiB, noeviction)', () => {
  it('/healthz and /metrics show it; a send refused for memory gets internal and stores nothing', async () => {
    const own = await startRedis({ extraArgs: ['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', 'noeviction'] });
    onTeardown(() => own.stop());
    const server = await startServer({ redisUrl: own.url });
    const ana = await connectAuthed(server);
    const chatId = await createPublicChat(ana.client, 'full');
    await sendText(ana.client, chatId, 'before');

    const calm = await api(server.url, '/healthz');
    expect(calm.status).toBe(200);
    expect(calm.body).toMatchObject({ status: 'ok', redis_memory: { maxmemory_bytes: MAXMEMORY } });
    expect(calm.body.redis_memory.warning).toBeUndefined();

    // Filled until Redis refuses a write.
    const redis = redisClient(own.url);
    const filler = 'x'.repeat(64 * 1024);
    for (let i = 0; ; i++) {
      const refused = await redis.set(`filler:${i}`, filler).then(
        () => false,
        (err: Error) => /OOM/.test(err.message),
      );
      if (refused) break;
    }

    // Read at most every few seconds: polled until the reading is past 90%.
    const pressed = await waitFor(
      () => api(server.url, '/healthz'),
      (reply) => reply.body?.redis_memory?.warning !== undefined,
      { timeoutMs: 15_000, intervalMs: 250, what: '/healthz to warn of Redis memory' },
    );
    expect(pressed.status).toBe(200);
    expect(pressed.body.status).toBe('ok');
    expect(pressed.body.redis_memory.used_bytes).toBeGreaterThan(0.9 * MAXMEMORY);
    expect(pressed.body.redis_memory.warning).toMatch(/maxmemory/);

    const metrics = await scrape(`${server.metricsUrl}/metrics`);
    expect(metrics.get('papo_redis_maxmemory_bytes')).toBe(MAXMEMORY);
    expect(metrics.get('papo_redis_used_memory_bytes')).toBeGreaterThan(0.9 * MAXMEMORY);

    // Past the limit for sure (the last refused write's buffer is freed again, and a small write might fit):
    // maxmemory lowered under what is used, as Redis allows.
    const used = Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
    await redis.config('SET', 'maxmemory', String(used - 256 * 1024));
    const refused = await ana.client.request('send_message', { chat_id: chatId, body: 'no room', client_msg_id: 'm2' });
    expect(refused).toMatchObject({ type: 'error', error: 'internal' });
    expect(await redis.llen(keys.messages(chatId))).toBe(1);
    expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(1);

    // Room again: the same message goes through, with the next id.
    const fillers = await redis.keys('filler:*');
    await redis.del(...fillers);
    await redis.config('SET', 'maxmemory', String(MAXMEMORY));
    expect((await sendText(ana.client, chatId, 'no room', 'm2')).server_msg_id).toBe(2);
    await server.stop();
  });
});

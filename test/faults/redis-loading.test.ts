import { describe, expect, it } from 'vitest';
import { createPublicChat } from '../helpers/chat-actions.js';
import { redisClient } from '../helpers/redis.js';
import { startRedis } from '../helpers/redis-process.js';
import { startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { onTeardown } from '../helpers/teardown.js';
import { sleep } from './fault-helpers.js';

/**
 * A worker whose Redis connection comes back while Redis is still loading its AOF serves as soon as Redis
 * does. Redis answers INFO during loading with `loading:1` and an estimate of the time left, from the bytes
 * loaded so far; ioredis' ready check used to wait that long (up to 10 s) before asking again. The estimate is
 * made wrong on purpose here: the AOF starts with many small keys, each slowed by `key-load-delay`, and ends
 * with a few big ones, so a tenth of the bytes take nearly all the time and the estimate is many seconds when
 * the loading is nearly over.
 */
const SMALL_KEYS = 20_000;
const KEY_LOAD_DELAY_US = 100; // 20,000 keys: ~2 s of loading
const BIG_KEYS = 4;
const BIG_BYTES = 2 * 1024 * 1024;
/** From Redis answering PING to the worker's first acknowledged send (ioredis retries every 250 ms). */
const SERVES_WITHIN_MS = 2000;

describe('Redis restarted with an AOF that takes seconds to load', () => {
  it('the worker serves again as soon as Redis has loaded, not at Redis’s estimate of the loading', async () => {
    const redisProc = await startRedis({
      extraArgs: [
        '--aof-use-rdb-preamble',
        'no',
        '--key-load-delay',
        String(KEY_LOAD_DELAY_US),
        // Redis answers clients while loading only every so many bytes: often, so INFO gets its answer.
        '--loading-process-events-interval-bytes',
        '1024',
      ],
      readyTimeoutMs: 60_000,
    });
    onTeardown(() => redisProc.stop());
    const fill = redisClient(redisProc.url);
    for (let i = 0; i < SMALL_KEYS; i += 1000) {
      const pipeline = fill.pipeline();
      for (let k = i; k < i + 1000; k++) pipeline.set(`small:${k}`, 'x');
      await pipeline.exec();
    }
    for (let k = 0; k < BIG_KEYS; k++) await fill.set(`big:${k}`, 'y'.repeat(BIG_BYTES));

    const server = await startServer({ redisUrl: redisProc.url, env: { RATE_LIMIT_MESSAGES: '100000' } });
    const ana = await connectAuthed(server);
    const chatId = await createPublicChat(ana.client, 'loading');

    await redisProc.kill('SIGKILL');
    await redisProc.start(); // resolves once PING is answered: the AOF is loaded
    const upAt = Date.now();
    const loading = /DB loaded from append only file: ([\d.]+) seconds/.exec(redisProc.output())?.[1];
    expect(Number(loading), 'the loading took seconds (else this tests nothing)').toBeGreaterThan(1);

    for (let i = 0; ; i++) {
      const reply = await ana.client.request('send_message', { chat_id: chatId, body: `back ${i}` });
      if (reply.type === 'ack') break;
      expect(reply).toMatchObject({ type: 'error', error: 'internal' });
      expect(Date.now() - upAt, `not serving after Redis loaded in ${loading} s`).toBeLessThan(SERVES_WITHIN_MS);
      await sleep(50);
    }
    const servedMs = Date.now() - upAt;
    console.log(`AOF loaded in ${loading} s; the worker served again ${servedMs} ms after`);
    expect(servedMs).toBeLessThan(SERVES_WITHIN_MS);
  }, 180_000);
});

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/helpers/redis-process.js';
import { createLogger } from '../src/log.js';
import { connectRedis, type RedisClients } from '../src/store/redis.js';

/**
 * Scripts on a single Redis go as ready-made EVAL/EVALSHA commands rather than through ioredis' defineCommand
 * methods: what those did (load once per connection, reload after SCRIPT FLUSH, time out), checked on a Redis
 * of this file's own, which it freezes.
 */
const TIMEOUT_MS = 300;
let redisProc: RedisProcess;
let clients: RedisClients;
let command: Redis;

/** The commands Redis ran, by name, since the last reset. */
async function commandCalls(names: string[]): Promise<Record<string, number>> {
  const stats = await command.info('commandstats');
  return Object.fromEntries(
    names.map((name) => [name, Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)]),
  );
}

beforeAll(async () => {
  redisProc = await startRedis();
  clients = await connectRedis({ url: redisProc.url }, TIMEOUT_MS, createLogger('silent'));
  command = clients.command as Redis;
});

afterAll(async () => {
  const pid = redisProc?.pid();
  if (pid && redisProc.running()) process.kill(pid, 'SIGCONT');
  await clients?.quit();
  await redisProc?.stop();
});

describe('scripts on a single Redis', () => {
  it('send their text once per connection, then their SHA1, and load again after SCRIPT FLUSH', async () => {
    const key = `papo-test:scripts:${randomBytes(6).toString('hex')}`;
    await command.config('RESETSTAT');
    const first = await Promise.all([1, 2, 3].map(() => clients.run('count', [key], [10, 60])));
    expect(first).toEqual([0, 0, 0]);
    expect(await command.get(key)).toBe('3');
    // The first call loads the script (EVAL); the two sent in the same turn behind it find it loaded.
    expect(await commandCalls(['eval', 'evalsha'])).toEqual({ eval: 1, evalsha: 2 });

    await command.script('FLUSH');
    await command.config('RESETSTAT');
    // NOSCRIPT, then the text again: the caller sees only the reply.
    expect(await clients.run('count', [key], [10, 60])).toBe(0);
    expect(await commandCalls(['eval', 'evalsha'])).toEqual({ eval: 1, evalsha: 1 });
    expect(await clients.run('count', [key], [10, 60])).toBe(0);
    expect(await command.get(key)).toBe('5');
    expect(await commandCalls(['eval', 'evalsha'])).toEqual({ eval: 1, evalsha: 2 });
  });

  it('time out while Redis is frozen, every one of them, and work again once it runs', async () => {
    const key = `papo-test:scripts:${randomBytes(6).toString('hex')}`;
    const pid = redisProc.pid()!;
    process.kill(pid, 'SIGSTOP');
    const started = performance.now();
    const outcomes = await Promise.allSettled([
      clients.run('count', [key], [10, 60]),
      command.get(key),
      clients.run('count', [key], [10, 60]),
    ]);
    const waited = performance.now() - started;
    process.kill(pid, 'SIGCONT');
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason.message).toBe('Command timed out');
    }
    // Not before the timeout, and not long after it (a loaded machine's slack).
    expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
    expect(waited).toBeLessThan(TIMEOUT_MS + 2000);
    // Redis runs what it had been sent; the late replies are ignored, and new commands are answered.
    expect(await command.get(key)).toBe('2');
  });

  it('answered in time, are not timed out later', async () => {
    const key = `papo-test:scripts:${randomBytes(6).toString('hex')}`;
    const replies = await Promise.all([clients.run('count', [key], [10, 60]), command.incr(`${key}:n`)]);
    expect(replies).toEqual([0, 1]);
    let late: unknown;
    const onRejection = (reason: unknown) => {
      late = reason;
    };
    process.on('unhandledRejection', onRejection);
    // Past the timeout nothing fires for them.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2));
    process.off('unhandledRejection', onRejection);
    expect(late).toBeUndefined();
    expect(await command.get(`${key}:n`)).toBe('1');
  });
});

describe('replies and published events', () => {
  /** Whether a 'data' event of the socket came straight from its read (not buffered for the next tick). */
  function readsInline(stream: NodeJS.EventEmitter): () => boolean[] {
    const seen: boolean[] = [];
    const emit = stream.emit;
    stream.emit = function (this: NodeJS.EventEmitter, event: string | symbol, ...args: unknown[]) {
      // Node's stream buffers a chunk and emits it later from emitReadable_/flow when it is not handed over.
      if (event === 'data') seen.push(!/emitReadable_|\bflow\b/.test(new Error().stack ?? ''));
      return emit.call(this, event, ...args);
    } as typeof stream.emit;
    return () => seen;
  }

  it('are handed to ioredis as each chunk is read, on every connection', async () => {
    const subscriber = clients.subscriber as Redis;
    const channel = `papo-test:read:${randomBytes(6).toString('hex')}`;
    const got: string[] = [];
    subscriber.on('smessage', (ch: string, message: string) => {
      if (ch === channel) got.push(message);
    });
    await subscriber.ssubscribe(channel);
    for (const round of [1, 2]) {
      const commandReads = readsInline(command.stream);
      const subscriberReads = readsInline(subscriber.stream);
      for (let i = 0; i < 5; i++) await command.spublish(channel, `${round}.${i}`);
      await expect.poll(() => got.length).toBe(round * 5);
      expect(commandReads().length).toBeGreaterThan(0);
      expect(commandReads().every(Boolean)).toBe(true);
      expect(subscriberReads().length).toBeGreaterThan(0);
      expect(subscriberReads().every(Boolean)).toBe(true);
      if (round === 1) {
        // Redis drops both connections; ioredis connects again (and subscribes again) on new sockets.
        await command.client('KILL', 'TYPE', 'pubsub');
        await command.client('KILL', 'TYPE', 'normal', 'SKIPME', 'no');
        await expect.poll(() => command.status === 'ready' && subscriber.status === 'ready').toBe(true);
        await expect.poll(async () => (await command.pubsub('SHARDNUMSUB', channel))[1], { timeout: 5000 }).toBe(1);
      }
    }
  });
});

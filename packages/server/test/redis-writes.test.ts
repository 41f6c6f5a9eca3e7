import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { connectRedis, type RedisClients } from '../src/store/redis.js';

/** Counts the writes a socket makes (one `_write` or `_writev` is one write to the kernel). */
function countWrites(socket: Socket): { readonly count: number } {
  const counter = { count: 0 };
  const s = socket as Socket & {
    _write: (...args: unknown[]) => void;
    _writev: (...args: unknown[]) => void;
  };
  const write = s._write.bind(s);
  const writev = s._writev.bind(s);
  s._write = (...args) => {
    counter.count++;
    write(...args);
  };
  s._writev = (...args) => {
    counter.count++;
    writev(...args);
  };
  return counter;
}

let clients: RedisClients;

beforeAll(async () => {
  clients = await connectRedis({ url: inject('redisUrl') }, 5000, createLogger('silent'));
});

afterAll(async () => {
  await clients?.quit();
});

describe('commands to a single Redis', () => {
  it('leave in one write per event-loop turn, plain commands and scripts alike, and answer in order', async () => {
    const command = clients.command as Redis;
    const writes = countWrites(command.stream as Socket);
    const key = `papo-test:writes:${randomBytes(6).toString('hex')}`;
    const replies = await Promise.all([
      command.sadd(key, 'a'),
      command.sadd(key, 'b'),
      command.scard(key),
      clients.run('count', [`${key}:rate`], [10, 60]),
      command.type(key),
    ]);
    expect(writes.count).toBe(1);
    expect(replies).toEqual([1, 1, 2, 0, 'set']);
    await command.del(key, `${key}:rate`);
  });

  it('subscriptions of one turn leave in one write too', async () => {
    const subscriber = clients.subscriber as Redis;
    const writes = countWrites(subscriber.stream as Socket);
    const id = randomBytes(6).toString('hex');
    const channels = [1, 2, 3].map((n) => `papo-test:writes:${id}:${n}`);
    await Promise.all(channels.map((channel) => subscriber.ssubscribe(channel)));
    expect(writes.count).toBe(1);
    await Promise.all(channels.map((channel) => subscriber.sunsubscribe(channel)));
  });
});

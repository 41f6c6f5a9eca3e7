import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleInTime } from '../src/store/redis-io.js';

/**
 * settleInTime: every command given to a single Redis client settles within the timeout whatever ioredis'
 * state, against a "Redis" that accepts connections and reads commands but never answers (as a frozen or
 * wedged one would), and against none at all.
 */
const TIMEOUT_MS = 200;

let silent: Server;
let port: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => {}); // reads, never answers
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

/** A client as the server makes them (no offline queue for commands, no retries of a sent command). */
function client(target: number, offlineQueue: boolean): { redis: Redis; stop: () => void } {
  const redis = new Redis(target, '127.0.0.1', {
    lazyConnect: true,
    enableOfflineQueue: offlineQueue,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => 50,
  });
  redis.on('error', () => {});
  const stop = settleInTime(redis, TIMEOUT_MS);
  return { redis, stop };
}

/** Resolves with how the command settled and how long it took. */
async function settles(command: Promise<unknown>): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  const outcome = await command.then(
    () => 'answered',
    (err: Error) => err.message,
  );
  return { outcome, ms: Date.now() - started };
}

describe('settleInTime', () => {
  it('times out a command written to a connection that never answers', async () => {
    const { redis, stop } = client(port, false);
    await redis.connect(); // ready once the handshake's own commands time out
    expect(redis.status).toBe('ready');
    const { outcome, ms } = await settles(redis.get('k'));
    expect(outcome).toBe('Command timed out');
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    // Settled by the timeout, not left hanging: a bound a busy machine's timers keep (one CI run took ×4.8).
    expect(ms).toBeLessThan(TIMEOUT_MS * 15);
    redis.disconnect();
    stop();
  });

  it('times out a command held in the offline queue (the subscriber, connecting to a Redis that is stuck)', async () => {
    const { redis, stop } = client(port, true);
    redis.connect().catch(() => {});
    expect(redis.status).toBe('connecting');
    const { outcome, ms } = await settles(redis.get('k'));
    expect(outcome).toBe('Command timed out');
    expect(ms).toBeLessThan(TIMEOUT_MS * 15);
    redis.disconnect();
    stop();
  });

  it('still times out commands after the client ended and was connected again', async () => {
    const { redis, stop } = client(port, false);
    await redis.connect();
    redis.disconnect(); // status `end`: ioredis never connects again by itself
    await new Promise((resolve) => redis.once('end', resolve));
    await redis.connect(); // as the Redis link watchdog does
    const { outcome } = await settles(redis.get('k'));
    expect(outcome).toBe('Command timed out');
    redis.disconnect();
    stop();
  });
});

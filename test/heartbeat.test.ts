import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { login } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { waitFor } from './helpers/wait.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ env: { WS_PING_INTERVAL_MS: '300' } });
  redis = redisClient();
});

describe('server pings (WS_PING_INTERVAL_MS)', () => {
  it('a peer that stops answering pings is cut and goes offline; one that answers stays', async () => {
    const silent = await login(server.url);
    const healthy = await login(server.url);
    // autoPong off: this client behaves like a peer whose network vanished.
    const gone = new WebSocket(`${server.wsUrl}?token=${silent.token}`, { autoPong: false });
    const alive = new WebSocket(`${server.wsUrl}?token=${healthy.token}`);
    await Promise.all([once(gone, 'message'), once(alive, 'message')]);
    expect(await redis.sismember(keys.onlineUsers, silent.user_id)).toBe(1);

    const [code] = (await once(gone, 'close')) as [number];
    expect(code).toBe(1006); // terminated, no close handshake
    await waitFor(
      () => redis.sismember(keys.onlineUsers, silent.user_id),
      (member) => member === 0,
      { what: 'the silent user to go offline' },
    );
    expect(alive.readyState).toBe(WebSocket.OPEN);
    expect(await redis.sismember(keys.onlineUsers, healthy.user_id)).toBe(1);
    alive.close();
  });
});

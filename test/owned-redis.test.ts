import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublicChat, sendText, sync } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken } from './helpers/session.js';

const dataDir = mkdtempSync(join(tmpdir(), 'papo-owned-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('REDIS_URL unset: the server starts and owns its redis-server', () => {
  it('AOF on, in DATA_DIR/redis, fsync as REDIS_APPENDFSYNC says; stopped with the server; data survives', async () => {
    const redisPort = await freePort();
    const env = {
      REDIS_URL: '',
      DATA_DIR: dataDir,
      LOCAL_REDIS_PORT: String(redisPort),
      REDIS_APPENDFSYNC: 'always',
    };
    const first = await startServer({ env });
    const redis = new Redis(redisPort, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => {});
    await redis.connect();
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    expect(await redis.config('GET', 'dir')).toEqual(['dir', join(dataDir, 'redis')]);
    await redis.quit();

    const ana = await connectAuthed(first);
    const chatId = await createPublicChat(ana.client, 'durable');
    const ack = await sendText(ana.client, chatId, 'kept on disk');
    await first.stop();
    // The owned Redis went with the server.
    await expect(
      new Promise((resolve, reject) => {
        const socket = createConnection({ port: redisPort, host: '127.0.0.1' }, () => resolve(socket.destroy()));
        socket.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);

    const second = await startServer({ env });
    const again = await connectWithToken(second, ana.token);
    const history = await sync(again, chatId, 0);
    expect(history.messages.map((m) => [m.id, m.body])).toEqual([[ack.server_msg_id, 'kept on disk']]);
    expect((await api(second.url, '/healthz')).status).toBe(200);
    await second.stop();
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublicChat, sendText, sync } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { keys } from './helpers/redis.js';
import { redisRaw, startRedis } from './helpers/redis-process.js';
import { startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';

const dataDir = mkdtempSync(join(tmpdir(), 'papo-owned-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The owned Redis's password, as the server keeps it in DATA_DIR/redis/password. */
const passwordIn = (dir: string) => readFileSync(join(dir, 'redis', 'password'), 'utf8').trim();

/** A client of a Redis on 127.0.0.1 (closed by the caller) that gives up rather than retry. */
async function redisAt(port: number, password?: string): Promise<Redis> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    retryStrategy: () => null,
    ...(password ? { password } : {}),
  });
  redis.on('error', () => {});
  await redis.connect();
  return redis;
}

/** Where each of the server's Redis connections (named papo-<role>-<pid>) came in: a socket path or host:port. */
async function serverConnections(redis: Redis): Promise<string[]> {
  const list = String(await redis.client('LIST'));
  return list
    .split('\n')
    .filter((line) => / name=papo-(command|subscriber)-/.test(line))
    .map((line) => /\bladdr=(\S+)/.exec(line)?.[1] ?? '')
    .sort();
}

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
    const password = passwordIn(dataDir);
    const redis = await redisAt(redisPort, password);
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    expect(await redis.config('GET', 'dir')).toEqual(['dir', join(dataDir, 'redis')]);
    // The worker's command and subscriber connections come over the Unix socket in that dir, open to its owner
    // alone; the TCP port is for redis-cli and tools.
    const socketPath = join(dataDir, 'redis', 'redis.sock');
    expect(await redis.config('GET', 'unixsocket')).toEqual(['unixsocket', socketPath]);
    expect(await redis.config('GET', 'unixsocketperm')).toEqual(['unixsocketperm', '700']);
    expect(await serverConnections(redis)).toEqual([`${socketPath}:0`, `${socketPath}:0`]);
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
    // The same password, made once and kept.
    expect(passwordIn(dataDir)).toBe(password);
    const again = await connectWithToken(second, ana.token);
    const history = await sync(again, chatId, 0);
    expect(history.messages.map((m) => [m.id, m.body])).toEqual([[ack.server_msg_id, 'kept on disk']]);
    expect((await api(second.url, '/healthz')).status).toBe(200);
    await second.stop();
  });
});

describe('Redis over a Unix socket', () => {
  it('a DATA_DIR too long for a socket path: the owned Redis serves the workers over TCP on loopback', async () => {
    const longDir = join(dataDir, 'x'.repeat(100));
    const redisPort = await freePort();
    const server = await startServer({
      env: { REDIS_URL: '', DATA_DIR: longDir, LOCAL_REDIS_PORT: String(redisPort) },
    });
    const redis = await redisAt(redisPort, passwordIn(longDir));
    expect(await redis.config('GET', 'unixsocket')).toEqual(['unixsocket', '']);
    expect(await serverConnections(redis)).toEqual([`127.0.0.1:${redisPort}`, `127.0.0.1:${redisPort}`]);
    await redis.quit();
    const ana = await connectAuthed(server);
    const chatId = await createPublicChat(ana.client, 'over tcp');
    expect((await sendText(ana.client, chatId, 'hello')).server_msg_id).toBe(1);
    await server.stop();
  });

  it.each([
    ['its path', 'given-path.sock', (path: string) => path],
    ['unix://', 'given-url.sock', (path: string) => `unix://${path}`],
  ])('REDIS_URL as %s: the server talks to that Redis over its socket', async (_form, socketName, urlOf) => {
    const socketPath = join(dataDir, socketName);
    const own = await startRedis({ extraArgs: ['--unixsocket', socketPath, '--unixsocketperm', '700'] });
    try {
      const server = await startServer({ redisUrl: urlOf(socketPath) });
      const ana = await connectAuthed(server);
      const chatId = await createPublicChat(ana.client, 'over a socket');
      const ack = await sendText(ana.client, chatId, 'through the socket');
      const redis = await redisAt(own.port);
      expect(await serverConnections(redis)).toEqual([`${socketPath}:0`, `${socketPath}:0`]);
      expect(await redis.llen(keys.messages(chatId))).toBe(1);
      await redis.quit();
      const history = await sync(ana.client, chatId, 0);
      expect(history.messages.map((m) => [m.id, m.body])).toEqual([[ack.server_msg_id, 'through the socket']]);
      await server.stop();
    } finally {
      await own.stop();
    }
  });
});

describe('the owned Redis is its owner’s alone', () => {
  it('a random password kept in DATA_DIR (0600), given through a 0600 config file, never on argv or in the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'papo-owned-auth-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const redisPort = await freePort();
    const server = await startServer({
      env: { REDIS_URL: '', DATA_DIR: dir, LOCAL_REDIS_PORT: String(redisPort), REDIS_MAXMEMORY: '256mb' },
    });
    const password = passwordIn(dir);
    expect(password).toMatch(/^[0-9a-f]{64}$/);

    // Without the password: nothing, not even PING, and no token can be read.
    expect(await redisRaw(redisPort, ['PING'])).toMatch(/^-NOAUTH/);
    expect(await redisRaw(redisPort, ['KEYS', 'token:*'])).toMatch(/^-NOAUTH/);
    expect(await redisRaw(redisPort, ['AUTH', 'guess'])).toMatch(/^-WRONGPASS/);

    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(join(dir, 'redis'))).toBe(0o700);
    expect(mode(join(dir, 'redis', 'password'))).toBe(0o600);
    expect(mode(join(dir, 'redis', 'redis.conf'))).toBe(0o600);

    const redis = await redisAt(redisPort, password);
    // Memory bounded, nothing evicted silently, and output buffers capped for commands and subscribers.
    expect(await redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(256 * 1024 * 1024)]);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    const limits = String(((await redis.config('GET', 'client-output-buffer-limit')) as string[])[1]);
    expect(limits).toContain(`normal ${128 * 1024 * 1024} ${32 * 1024 * 1024} 60`);
    expect(limits).toContain(`pubsub ${64 * 1024 * 1024} ${16 * 1024 * 1024} 60`);
    // `ps` shows every process's argv to every local user: the password is not there.
    const redisPid = /process_id:(\d+)/.exec(await redis.info('server'))?.[1];
    expect(readFileSync(`/proc/${redisPid}/cmdline`, 'utf8')).not.toContain(password);
    await redis.quit();

    // The server works with it, and its log says how to use redis-cli but never shows the password.
    const ana = await connectAuthed(server);
    await sendText(ana.client, await createPublicChat(ana.client, 'private'), 'hello');
    const started = await server.waitForLog((l) => String(l.msg).startsWith('started redis-server'));
    expect(started.msg).toContain(`REDISCLI_AUTH=$(cat ${join(dir, 'redis', 'password')}) redis-cli -p ${redisPort}`);
    await server.stop();
    expect(server.output()).not.toContain(password);
  });
});

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Logger } from './log.js';

export type OwnedRedis = { url: string; stop(): Promise<void> };

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not answer in time');
}

/** A Unix socket's path must fit in sockaddr_un's sun_path (108 bytes on Linux, 104 on macOS, with its NUL). */
const MAX_SOCKET_PATH_BYTES = 100;

/**
 * When REDIS_URL is unset the server runs its own redis-server: AOF on (fsync per REDIS_APPENDFSYNC), data in
 * DATA_DIR/redis, loopback only. It stops with the server. The workers talk to it over a Unix socket in that
 * dir (only its owner may open it): Redis's replies and events then skip the TCP stack, which costs less CPU
 * for the server and for Redis (bench/README.md). The TCP port stays open on loopback for redis-cli and
 * tools, and serves the workers when DATA_DIR's path is too long for a socket.
 */
export async function startOwnedRedis(
  dataDir: string,
  preferredPort: number,
  appendFsync: 'everysec' | 'always',
  log: Logger,
): Promise<OwnedRedis> {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error) {
    throw new Error(
      'redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a Redis you run.',
    );
  }
  let port = preferredPort;
  while (await portAnswers(port)) port++;
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const socketPath = join(dir, 'redis.sock');
  const socketArgs =
    Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH_BYTES
      ? ['--unixsocket', socketPath, '--unixsocketperm', '700']
      : [];
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      appendFsync,
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      join(dir, 'redis.log'),
      ...socketArgs,
    ],
    { stdio: 'ignore' },
  );
  await waitForPing(port, child, 15_000);
  // ioredis takes a socket's path where a URL goes.
  const url = socketArgs.length > 0 ? socketPath : `redis://127.0.0.1:${port}`;
  log.info(
    { url, port, dir, appendfsync: appendFsync },
    `started redis-server (AOF on); read it with redis-cli -p ${port}`,
  );
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM'); // redis-server flushes the AOF and exits
      }),
  };
}

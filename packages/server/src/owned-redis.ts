import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Logger } from './log.js';

export type OwnedRedis = {
  url: string;
  /** Its TCP port on loopback (for redis-cli and tools) and its data dir. */
  port: number;
  dir: string;
  stop(): Promise<void>;
};

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

/** PING as the owner (AUTH first); true once Redis answers PONG (not LOADING, not an error). */
function pingsAsOwner(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const auth = `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n`;
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write(`${auth}*1\r\n$4\r\nPING\r\n`));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.split('\r\n').length < 3) return; // two replies, each ending in CRLF
      socket.destroy();
      resolve(reply.startsWith('+OK\r\n+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function waitForPing(port: number, password: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await pingsAsOwner(port, password);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not answer in time');
}

/** Whether `pid` is a live redis-server (a pid file outlives its process, and pids are reused). */
function isRedisServer(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (existsSync(cmdline)) return readFileSync(cmdline, 'utf8').includes('redis-server');
  const ps = spawnSync('ps', ['-p', String(pid), '-o', 'comm='], { encoding: 'utf8' });
  return ps.stdout.includes('redis-server');
}

/**
 * A redis-server a previous run of this data dir left behind (its primary was killed before it could stop it)
 * still holds the dir, its AOF and its socket: stop it (it flushes the AOF) before starting ours.
 */
async function stopLeftover(pidFile: string, log: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRedisServer(pid)) return;
  log.warn({ pid }, 'a redis-server left running by an earlier start holds the data dir; stopping it first');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isRedisServer(pid)) {
    if (Date.now() > deadline)
      throw new Error(`redis-server ${pid} (${pidFile}) did not stop; stop it and start again`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Unix socket's path must fit in sockaddr_un's sun_path (108 bytes on Linux, 104 on macOS, with its NUL). */
const MAX_SOCKET_PATH_BYTES = 100;

/**
 * Per connection, the replies Redis may hold for a reader that is behind: a hard cap, and a softer one that
 * may last 60 s. A history page or a sync is at most a few MiB; past these Redis drops the connection (its
 * commands fail with `internal`, ioredis connects again) rather than grow without bound. Subscribers follow
 * Pub/Sub, and catch up by id after a reconnect.
 */
const OUTPUT_BUFFER_LIMITS = ['normal 128mb 32mb 60', 'pubsub 64mb 16mb 60'];

export type OwnedRedisOptions = {
  dataDir: string;
  preferredPort: number;
  appendFsync: 'everysec' | 'always';
  /** redis.conf's size syntax; `0` is no limit. */
  maxmemory: string;
};

/** A value as redis.conf reads it: in double quotes, with backslashes and quotes escaped. */
function confValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`a line break in a redis.conf value: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Made once (256 random bits) and kept in the data dir, readable by the owner alone. */
function ownedPassword(dir: string): string {
  const file = join(dir, 'password');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const kept = readFileSync(file, 'utf8').trim();
    if (kept) return kept;
    rmSync(file); // an empty password would be no password
  }
  const password = randomBytes(32).toString('hex');
  writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return password;
}

/** Written anew each start, mode 0600 from its creation: it holds the password (never on argv, which `ps` shows). */
function writeConfig(file: string, lines: string[]): void {
  rmSync(file, { force: true });
  writeFileSync(file, `# Written by Papo at each start; edits are lost.\n${lines.join('\n')}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
}

/**
 * When REDIS_URL is unset the server runs its own redis-server: AOF on (fsync per REDIS_APPENDFSYNC), data in
 * DATA_DIR/redis (mode 0700: the AOF holds every token), loopback only, a password of its own (kept in
 * DATA_DIR/redis/password), `maxmemory` with `noeviction` (a full Redis refuses writes, which clients see as
 * `internal`; nothing is dropped silently) and bounded output buffers. It stops with the server. The workers
 * talk to it over a Unix socket in that dir (only its owner may open it): Redis's replies and events then skip
 * the TCP stack, which costs less CPU for the server and for Redis (bench/README.md). The TCP port stays open
 * on loopback for redis-cli and tools, and serves the workers when DATA_DIR's path is too long for a socket.
 */
export async function startOwnedRedis(options: OwnedRedisOptions, log: Logger): Promise<OwnedRedis> {
  const { dataDir, preferredPort, appendFsync, maxmemory } = options;
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error) {
    throw new Error(
      'redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a Redis you run.',
    );
  }
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // made by an older Papo with the umask's mode
  const pidFile = join(dir, 'redis.pid');
  await stopLeftover(pidFile, log);
  let port = preferredPort;
  while (await portAnswers(port)) port++;
  const password = ownedPassword(dir);
  const socketPath = join(dir, 'redis.sock');
  const overSocket = Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH_BYTES;
  const configFile = join(dir, 'redis.conf');
  writeConfig(configFile, [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${confValue(dir)}`,
    `requirepass ${confValue(password)}`,
    'appendonly yes',
    `appendfsync ${appendFsync}`,
    'save ""',
    'daemonize no',
    `pidfile ${confValue(pidFile)}`,
    `logfile ${confValue(join(dir, 'redis.log'))}`,
    `maxmemory ${maxmemory}`,
    'maxmemory-policy noeviction',
    ...OUTPUT_BUFFER_LIMITS.map((limit) => `client-output-buffer-limit ${limit}`),
    ...(overSocket ? [`unixsocket ${confValue(socketPath)}`, 'unixsocketperm 700'] : []),
  ]);
  // In a process group of its own: Ctrl-C in a terminal signals the whole foreground group, and Redis must not
  // stop before the workers have (they would log it going away); the primary stops it last. Should the
  // primary die without stopping it, the next start stops it by its pid file (stopLeftover).
  const child = spawn('redis-server', [configFile], { stdio: 'ignore', detached: true });
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  await waitForPing(port, password, child, 15_000);
  // ioredis takes a socket's path where a URL goes, and its options as a query.
  const secret = encodeURIComponent(password);
  const url = overSocket ? `${socketPath}?password=${secret}` : `redis://:${secret}@127.0.0.1:${port}`;
  const passwordFile = join(dir, 'password');
  log.info(
    { port, dir, socket: overSocket ? socketPath : undefined, appendfsync: appendFsync, maxmemory },
    `started redis-server (AOF on, password in ${passwordFile}); read it with REDISCLI_AUTH=$(cat ${passwordFile}) redis-cli -p ${port}`,
  );
  return {
    url,
    port,
    dir,
    stop: () =>
      new Promise((resolve) => {
        process.off('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM'); // redis-server flushes the AOF and exits
      }),
  };
}

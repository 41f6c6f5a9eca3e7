import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/**
 * A real `redis-server` child process with AOF on, on a loopback port of its own and a temporary data dir.
 * Used by the global setup (one Redis shared by every test file) and by tests that must stop and restart
 * their own Redis. Never port 6379: a shared Redis lives there.
 */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export interface RedisOptions {
  /** Default: a free port. */
  port?: number;
  /** Default: a fresh temporary dir, removed by `stop()`. */
  dir?: string;
  /** `always` makes every acknowledged write durable before the reply; default `everysec`. */
  appendfsync?: 'always' | 'everysec';
  readyTimeoutMs?: number;
  /** More `redis-server` flags (a cluster node's, say). */
  extraArgs?: string[];
}

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  pid(): number | undefined;
  running(): boolean;
  output(): string;
  /** `SHUTDOWN` (the AOF is fsynced, no RDB is written since `save` is off); resolves once the process is gone. */
  shutdown(): Promise<void>;
  /** Sends a signal and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port and dir (after `shutdown` or `kill`). */
  start(): Promise<void>;
  /** Stops it if running and removes the dir if this helper created it. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One RESP command over a fresh socket; resolves with the raw reply (or '' when the server closes first). */
export function redisRaw(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0]} on port ${port}: no reply in ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply);
    };
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', () => done());
  });
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited before answering PING (port ${port}):\n${output()}`);
    }
    const reply = await redisRaw(port, ['PING'], 500).catch(() => '');
    // A Redis still loading its AOF answers -LOADING: not ready yet.
    if (reply.startsWith('+PONG')) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server on port ${port}: no PONG in ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50)); // polling a port that has no event to wait on
  }
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisProcess> {
  if (!existsSync(REDIS_SERVER_BIN)) {
    throw new Error(
      `${REDIS_SERVER_BIN} not found: the integration tests need a real Redis. Install it with ` +
        '`apt-get install redis-server` (or set REDIS_SERVER_BIN).',
    );
  }
  const port = options.port ?? (await freePort());
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'papo-redis-')));
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  // biome-ignore format: flag/value pairs read best side by side
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'no',
    '--daemonize', 'no',
    '--appendonly', 'yes',
    '--appendfsync', options.appendfsync ?? 'everysec',
    '--save', '',
    '--dir', dir,
    '--loglevel', 'notice',
    ...(options.extraArgs ?? []),
  ];

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const output = () => log.slice(-8000);

  const launch = async () => {
    const proc = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.stdout?.on('data', (d: Buffer) => {
      log += d.toString('utf8');
    });
    proc.stderr?.on('data', (d: Buffer) => {
      log += d.toString('utf8');
    });
    exited = new Promise((resolve) => {
      proc.once('exit', () => {
        live.delete(proc);
        resolve();
      });
    });
    try {
      await waitForPing(port, proc, readyTimeoutMs, output);
    } catch (err) {
      proc.kill('SIGKILL'); // a start that failed leaves no process behind
      throw err;
    }
  };

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const handle: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child?.pid,
    running,
    output,
    async shutdown() {
      if (!running()) return;
      await redisRaw(port, ['SHUTDOWN'], 5000).catch(() => '');
      await exited;
    },
    async kill(signal = 'SIGTERM') {
      if (!running()) return;
      child?.kill(signal);
      await exited;
    },
    async start() {
      if (running()) throw new Error(`redis-server on port ${port} is already running`);
      await launch();
    },
    async stop() {
      if (running()) {
        await handle.shutdown();
        if (running()) await handle.kill('SIGKILL');
      }
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
  await launch();
  return handle;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort, isAlive } from './ports.js';
import { onTeardown } from './teardown.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The server under test; PAPO_SERVER_MAIN points the suite at another build (e.g. a deliberately broken copy). */
export const SERVER_MAIN = resolve(REPO_ROOT, process.env.PAPO_SERVER_MAIN ?? 'packages/server/dist/main.js');

/** One pino JSON line of the server's stdout. */
export type LogLine = { msg?: string; pid?: number; level?: number; [key: string]: unknown };

export interface ServerOptions {
  /** Default: the Redis shared by the whole run (global setup). */
  redisUrl?: string;
  /** A Redis Cluster of the test's own (`host:port,…`, REDIS_CLUSTER_NODES) instead of any single Redis. */
  clusterNodes?: string;
  /** node:cluster worker count; default 1. */
  workers?: number;
  /** Extra environment (RATE_LIMIT_MESSAGES, AUTH_TIMEOUT_MS, PRESENCE_LEASE_MS, …). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /**
   * Default true: resolve once the server logs `papo ready`. False: resolve as soon as the process is spawned
   * (for a server that cannot become ready yet, e.g. Redis unreachable); `workerPids` is then empty and the
   * test waits for `papo ready` itself with `waitForLog`.
   */
  waitForReady?: boolean;
  /** Listen on this port instead of a free one: a restart on the same address, which clients reconnect to. */
  port?: number;
  /** In a process group of its own, as a server started from a terminal is: `signalGroup` then acts as Ctrl-C. */
  ownProcessGroup?: boolean;
}

/**
 * How long a server, or a worker forked to replace one, may take to serve. A start is some 2 s of CPU (the
 * primary and each worker load the whole module graph): ~1 s on an idle machine, but 10–34 s measured with 2
 * workers while 2 cores ran a load average of 14 (other suites and busy loops). One that never serves still
 * fails, a minute on.
 */
export const START_TIMEOUT_MS = 60_000;

export type StopResult = { code: number | null; signal: NodeJS.Signals | null; leftoverWorkers: number[] };

export interface ServerProcess {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `ws://127.0.0.1:PORT/ws` */
  readonly wsUrl: string;
  /** `http://127.0.0.1:METRICS_PORT`: the server's own metrics listener (a free port of its own). */
  readonly metricsUrl: string;
  /** The primary's pid. */
  readonly pid: number;
  /** Worker pids from the `papo ready` line. */
  readonly workerPids: number[];
  /** Workers alive now, from every `worker listening` line (replacements included). */
  liveWorkerPids(): number[];
  /** The last lines of stdout and stderr, for failure messages. */
  output(): string;
  logs(): LogLine[];
  /** The first log line (past or future) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /**
   * SIGTERM, then (after a grace period) SIGKILL; resolves with how the primary exited and which workers were
   * still alive once it had (those are then SIGKILLed).
   */
  stop(): Promise<StopResult>;
  kill(signal: NodeJS.Signals): void;
  /** The signal to the server's whole process group (`ownProcessGroup` only), as a terminal's Ctrl-C sends it. */
  signalGroup(signal: NodeJS.Signals): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const liveChildren = new Set<ChildProcess>();
const allWorkerPids = new Set<number>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const pid of allWorkerPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

/**
 * Where the server finds Redis: the URL given; else, in the `cluster` project, the run's Redis Cluster; else
 * the run's single Redis.
 */
function redisEnv(redisUrl: string | undefined): Record<string, string> {
  const clusterNodes = inject('redisClusterNodes');
  if (redisUrl === undefined && clusterNodes) return { REDIS_CLUSTER_NODES: clusterNodes, REDIS_URL: '' };
  return { REDIS_URL: redisUrl ?? inject('redisUrl'), REDIS_CLUSTER_NODES: '' };
}

/** Starts the real `packages/server/dist/main.js` and waits for its `papo ready` line. Stopped after the file. */
export async function startServer(options: ServerOptions = {}): Promise<ServerProcess> {
  if (!existsSync(SERVER_MAIN)) {
    throw new Error(`${SERVER_MAIN} does not exist: run \`npm run build\` first`);
  }
  const port = options.port ?? (await freePort());
  // Uploads go to a folder of the server's own (not the repository's data/), gone after the run.
  const mediaDir = options.env?.MEDIA_DIR ?? mkdtempSync(resolve(tmpdir(), 'papo-media-'));
  if (!options.env?.MEDIA_DIR) onTeardown(() => rmSync(mediaDir, { recursive: true, force: true }));
  // Servers of many test files run at once: each gets a metrics port of its own (the default would collide).
  const metricsPort = options.env?.METRICS_PORT ?? String(await freePort());
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    ...(options.clusterNodes
      ? { REDIS_CLUSTER_NODES: options.clusterNodes, REDIS_URL: '' }
      : redisEnv(options.redisUrl)),
    WORKERS: String(options.workers ?? 1),
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    // Every test logs in from 127.0.0.1: the per-IP login limit would trip across the suite.
    LOGIN_RATE_LIMIT_PER_IP: '1000000',
    // Tests read the codes from the answers: a development server's switch, off by default and refused in
    // production or with a webhook (a test that wants those gets it off).
    LOGIN_CODES_IN_RESPONSE: options.env?.NODE_ENV === 'production' || options.env?.LOGIN_CODE_WEBHOOK_URL ? '' : '1',
    METRICS_PORT: metricsPort,
    MEDIA_DIR: mediaDir,
    // Suites drive many actions through one connection: the per-connection budget is tested on its own
    // (connection-budget.test.ts) and stays out of the others' way.
    WS_RATE_BURST: '1000000',
    WS_RATE_PER_S: '1000000',
    ...options.env,
  };
  const child = spawn(process.execPath, [SERVER_MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  liveChildren.add(child);

  const lines: LogLine[] = [];
  let text = '';
  const watchers = new Set<(line: LogLine) => void>();
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    pending += chunk.toString('utf8');
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const raw = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      lines.push(line);
      if (line.msg === 'worker listening' && typeof line.pid === 'number') allWorkerPids.add(line.pid);
      for (const watcher of watchers) watcher(line);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
  });
  const output = () => text.slice(-12_000);

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = lines.find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(new Error(`server on port ${port}: no matching log line in ${timeoutMs} ms. Output:\n${output()}`));
      }, timeoutMs);
      const watcher = (line: LogLine) => {
        if (!predicate(line)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        resolve(line);
      };
      watchers.add(watcher);
    });

  // The ready line's pids (once it came) and every `worker listening` line's (replacements come only from
  // the latter).
  const workerPids: number[] = [];
  const knownWorkers = () => [
    ...new Set([
      ...workerPids,
      ...lines.filter((l) => l.msg === 'worker listening' && typeof l.pid === 'number').map((l) => l.pid as number),
    ]),
  ];
  const killLeftoverWorkers = () => {
    const leftovers = knownWorkers().filter(isAlive);
    for (const pid of leftovers) process.kill(pid, 'SIGKILL');
    return leftovers;
  };

  let stopping: Promise<StopResult> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, leftoverWorkers: killLeftoverWorkers() };
    })();
    return stopping;
  };
  // Registered before the wait for ready: a test that times out while its server starts still stops it
  // (registered after, the server was left running past its file on a busy machine).
  onTeardown(stop);

  const readyTimeoutMs = options.readyTimeoutMs ?? START_TIMEOUT_MS;
  const ready: LogLine =
    options.waitForReady === false
      ? {}
      : await Promise.race([
          waitForLog((l) => l.msg === 'papo ready', readyTimeoutMs),
          exited.then(({ code, signal }) => {
            throw new Error(`server exited before "papo ready" (code ${code}, signal ${signal}). Output:\n${output()}`);
          }),
        ]).catch((err) => {
          child.kill('SIGKILL');
          throw err;
        });
  workerPids.push(...(Array.isArray(ready.workers) ? (ready.workers as number[]) : []));
  for (const pid of workerPids) allWorkerPids.add(pid);

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    pid: child.pid ?? 0,
    workerPids,
    liveWorkerPids: () => knownWorkers().filter((pid) => pid !== child.pid && isAlive(pid)),
    output,
    logs: () => [...lines],
    waitForLog,
    stop,
    kill: (signal) => child.kill(signal),
    signalGroup: (signal) => {
      if (!options.ownProcessGroup) throw new Error('signalGroup needs ownProcessGroup');
      process.kill(-child.pid!, signal);
    },
    exited,
  };
}

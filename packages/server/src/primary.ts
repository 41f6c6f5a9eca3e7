import cluster, { type Worker } from 'node:cluster';
import { ALIVE_EVERY_MS } from './alive.js';
import { bannerLines, startFacts } from './banner.js';
import type { Config } from './config.js';
import { exitAfterLog, type Logger } from './log.js';
import { serveClusterMetrics } from './metrics.js';
import { type OwnedRedis, startOwnedRedis } from './owned-redis.js';
import { describeTarget, type RedisTarget } from './store/redis.js';

type WorkerMessage = { type: 'listening'; port: number } | { type: 'alive' };

/**
 * The primary process: owns the local redis-server when REDIS_URL is unset, forks WORKERS workers that share
 * the port, replaces any that dies, and stops everything on SIGINT/SIGTERM.
 */
export async function runPrimary(config: Config, log: Logger): Promise<void> {
  let owned: OwnedRedis | undefined;
  if (!config.redisUrl && !config.redisClusterNodes)
    owned = await startOwnedRedis(
      {
        dataDir: config.dataDir,
        preferredPort: config.localRedisPort,
        appendFsync: config.redisAppendFsync,
        maxmemory: config.redisMaxmemory,
      },
      log,
    );
  const target: RedisTarget = config.redisClusterNodes
    ? { clusterNodes: config.redisClusterNodes }
    : { url: config.redisUrl ?? owned!.url };

  serveClusterMetrics();
  let stopping = false;
  const listening = new Map<number, number>(); // worker id → port
  let announced = false;

  /** When each serving worker last said it is alive (its event loop turns). */
  const lastAlive = new Map<Worker, number>();

  function fork(): Worker {
    const worker = cluster.fork({
      ...('url' in target ? { PAPO_REDIS_URL: target.url } : {}),
      // glibc gives each thread that allocates its own arena, and libvips's (image uploads) kept a worker at
      // ~500 MiB after a few photos; two arenas is what sharp's docs advise. An operator's value stands.
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    });
    worker.on('message', (msg: WorkerMessage) => {
      if (msg?.type === 'alive') {
        if (lastAlive.has(worker)) lastAlive.set(worker, Date.now());
        return;
      }
      if (msg?.type !== 'listening') return;
      lastAlive.set(worker, Date.now());
      listening.set(worker.id, msg.port);
      if (!announced && listening.size === config.workers) {
        announced = true;
        const workers = Object.values(cluster.workers ?? {}).map((w) => w?.process.pid);
        const facts = startFacts(config, target, owned, msg.port);
        if (config.logFormat === 'pretty') {
          // For a person: the pids in the log line, the rest in the banner below it.
          log.info({ workers }, 'papo ready');
          process.stdout.write(`${bannerLines(facts).join('\n')}\n`);
        } else {
          log.info({ ...facts, port: msg.port, workers, redis: describeTarget(target) }, 'papo ready');
        }
      }
    });
    return worker;
  }

  // A worker whose event loop stopped turning (a busy loop, a promise loop that never yields, a frozen
  // process) answers nothing and runs none of its own watchdogs: it is killed and replaced.
  const stallCheck = setInterval(() => {
    const now = Date.now();
    for (const [worker, at] of lastAlive) {
      if (now - at <= config.workerStallMs || worker.isDead()) continue;
      lastAlive.delete(worker);
      log.error({ pid: worker.process.pid, silent_ms: now - at }, 'worker unresponsive; killing it');
      worker.process.kill('SIGKILL');
    }
  }, ALIVE_EVERY_MS);
  stallCheck.unref();

  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
    lastAlive.delete(worker);
    if (stopping) return;
    const replacement = fork();
    log.warn({ pid: worker.process.pid, code, signal, replacement: replacement.process.pid }, 'worker replaced');
  });

  // Round-robin (the default) has the primary accept every connection and hand it to a worker over IPC, which
  // costs both processes CPU on every connect; a lone worker has nobody to share with, so it accepts itself.
  if (config.workers === 1) cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < config.workers; i++) fork();

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(stallCheck);
    log.info({ signal }, 'stopping');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const timer = setTimeout(() => w.process.kill('SIGKILL'), config.shutdownGraceMs + 5000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await owned?.stop();
    log.info('stopped');
    exitAfterLog(log, 0);
  };
  // SIGHUP: the terminal was closed. Stopping in order is the same as for Ctrl-C; dying of it would leave the
  // owned Redis running.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
}

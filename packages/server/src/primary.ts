import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { serveClusterMetrics } from './metrics.js';
import { type OwnedRedis, startOwnedRedis } from './owned-redis.js';
import { describeTarget, type RedisTarget } from './store/redis.js';

type WorkerMessage = { type: 'listening'; port: number };

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

  function fork(): Worker {
    const worker = cluster.fork('url' in target ? { PAPO_REDIS_URL: target.url } : {});
    worker.on('message', (msg: WorkerMessage) => {
      if (msg?.type !== 'listening') return;
      listening.set(worker.id, msg.port);
      if (!announced && listening.size === config.workers) {
        announced = true;
        const workers = Object.values(cluster.workers ?? {}).map((w) => w?.process.pid);
        log.info({ port: msg.port, workers, redis: describeTarget(target) }, 'papo ready');
      }
    });
    return worker;
  }

  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
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
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

#!/usr/bin/env node
import cluster from 'node:cluster';
import { loadConfig } from './config.js';
import { createLogger, exitAfterLog } from './log.js';
import type { RedisTarget } from './store/redis.js';

const config = loadConfig();

// Each process loads only its own code: the primary never serves (no Fastify, ws or handlers), and a worker
// never forks; loading both made every start, and every worker replaced, slower by that much.
if (cluster.isPrimary) {
  const { runPrimary } = await import('./primary.js');
  const log = createLogger(config.logLevel, { role: 'primary' }, config.logFormat);
  runPrimary(config, log).catch((err: Error) => {
    log.fatal({ err }, err.message);
    exitAfterLog(log, 1);
  });
} else {
  const log = createLogger(config.logLevel, { role: 'worker' }, config.logFormat);
  const redisUrl = process.env.PAPO_REDIS_URL ?? config.redisUrl;
  const target: RedisTarget | undefined = config.redisClusterNodes
    ? { clusterNodes: config.redisClusterNodes }
    : redisUrl
      ? { url: redisUrl }
      : undefined;
  if (!target) throw new Error('worker started without a Redis URL');
  const [{ startWorker, STOP_TAIL_MS }, { ALIVE_EVERY_MS }] = await Promise.all([
    import('./worker.js'),
    import('./alive.js'),
  ]);
  const worker = await startWorker(config, target, log);
  process.send?.({ type: 'listening', port: worker.port });
  // The primary replaces a worker that stops saying this (WORKER_STALL_MS): its event loop no longer turns.
  setInterval(() => process.send?.({ type: 'alive' }), ALIVE_EVERY_MS).unref();
  const stop = () => {
    // Every step of stop() is bounded; this is the backstop should one not be, so SIGTERM always ends it.
    setTimeout(
      () => {
        log.error('worker stop did not finish; exiting');
        process.exit(1);
      },
      config.shutdownGraceMs + STOP_TAIL_MS + 500,
    ).unref();
    worker.stop().then(
      () => exitAfterLog(log, 0),
      (err: Error) => {
        log.error({ err }, 'unclean stop');
        exitAfterLog(log, 1);
      },
    );
  };
  process.on('SIGTERM', stop);
  // The primary is gone (killed): stop rather than serve on as an orphan nobody will replace.
  process.on('disconnect', stop);
  // Ctrl-C and a closed terminal reach the whole process group: the primary stops the workers in order, so
  // they ignore both.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
}

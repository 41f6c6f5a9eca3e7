#!/usr/bin/env node
import cluster from 'node:cluster';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { runPrimary } from './primary.js';
import type { RedisTarget } from './store/redis.js';
import { startWorker } from './worker.js';

const config = loadConfig();

if (cluster.isPrimary) {
  const log = createLogger(config.logLevel, { role: 'primary' });
  runPrimary(config, log).catch((err: Error) => {
    log.fatal({ err }, err.message);
    process.exit(1);
  });
} else {
  const log = createLogger(config.logLevel, { role: 'worker' });
  const redisUrl = process.env.PAPO_REDIS_URL ?? config.redisUrl;
  const target: RedisTarget | undefined = config.redisClusterNodes
    ? { clusterNodes: config.redisClusterNodes }
    : redisUrl
      ? { url: redisUrl }
      : undefined;
  if (!target) throw new Error('worker started without a Redis URL');
  const worker = await startWorker(config, target, log);
  process.send?.({ type: 'listening', port: worker.port });
  const stop = () => {
    worker.stop().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  // The primary is gone (killed): stop rather than serve on as an orphan nobody will replace.
  process.on('disconnect', stop);
  // Ctrl-C reaches the whole process group: the primary stops the workers in order, so they ignore it.
  process.on('SIGINT', () => {});
}

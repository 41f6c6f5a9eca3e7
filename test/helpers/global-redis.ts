import type { TestProject } from 'vitest/node';
import { startRedis } from './redis-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis every test file shares (AOF on, temporary dir). Files isolate by random ids, never FLUSHALL. */
    redisUrl: string;
    redisPort: number;
    redisDir: string;
  }
}

/** Vitest global setup: one real redis-server for the whole run, stopped and its dir removed at the end. */
export default async function setup(project: TestProject) {
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  project.provide('redisPort', redis.port);
  project.provide('redisDir', redis.dir);
  return async () => {
    await redis.stop();
  };
}

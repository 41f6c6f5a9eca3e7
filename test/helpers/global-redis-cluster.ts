import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './redis-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set in the `cluster` project: the Redis Cluster every server of the run uses (REDIS_CLUSTER_NODES). */
    redisClusterNodes: string;
  }
}

/**
 * Vitest global setup of the `cluster` project: one local Redis Cluster (3 masters + 3 replicas, AOF on) for
 * the run; servers started by the core suite use it instead of the single Redis.
 */
export default async function setup(project: TestProject) {
  const cluster = await startRedisCluster();
  project.provide('redisClusterNodes', cluster.spec);
  // Tests that start their own single Redis still find the default wiring.
  project.provide('redisUrl', '');
  return async () => {
    await cluster.stop();
  };
}

import { isCluster, type RedisClient } from './redis.js';

/** Redis's memory as `INFO memory` tells it; `maxmemoryBytes` 0 is no limit. */
export type RedisMemory = { usedBytes: number; maxmemoryBytes: number };

/** Past this share of maxmemory, `/healthz` warns: at 100% writes fail (noeviction) and clients get `internal`. */
export const MEMORY_WARNING_RATIO = 0.9;

function parseInfo(info: string): RedisMemory {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { usedBytes: field('used_memory'), maxmemoryBytes: field('maxmemory') };
}

/** The fuller of two readings: by share of maxmemory where both have one, else by bytes used. */
function fuller(a: RedisMemory, b: RedisMemory): RedisMemory {
  if (a.maxmemoryBytes > 0 && b.maxmemoryBytes > 0) {
    return a.usedBytes / a.maxmemoryBytes >= b.usedBytes / b.maxmemoryBytes ? a : b;
  }
  return a.usedBytes >= b.usedBytes ? a : b;
}

/**
 * Redis's memory for `/healthz` and `/metrics`, read with `INFO memory` at most once per `maxAgeMs` however
 * often they are asked (one read in flight at a time). On a cluster, the fullest master: writes to its slots
 * fail first. Resolves undefined when Redis does not answer.
 */
export function redisMemoryReader(client: RedisClient, maxAgeMs = 5000): () => Promise<RedisMemory | undefined> {
  let cached: { at: number; value: RedisMemory } | undefined;
  let reading: Promise<RedisMemory | undefined> | undefined;
  const read = async (): Promise<RedisMemory> => {
    if (!isCluster(client)) return parseInfo(await client.info('memory'));
    const masters = await Promise.all(client.nodes('master').map(async (node) => parseInfo(await node.info('memory'))));
    return masters.reduce(fuller);
  };
  return () => {
    if (cached && Date.now() - cached.at < maxAgeMs) return Promise.resolve(cached.value);
    reading ??= read()
      .then((value) => {
        cached = { at: Date.now(), value };
        return value;
      })
      .catch(() => undefined)
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
}

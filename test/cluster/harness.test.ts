import { Cluster, type ClusterOptions } from 'ioredis';
import { beforeAll, describe, expect, test } from 'vitest';
import { type RedisCluster, redisCommand, startRedisCluster } from '../helpers/redis-cluster.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The cluster harness itself, and what ioredis's `Cluster` does on it: keys across slots, sharded Pub/Sub
 * (`shardedSubscribers: true`), and a master SIGKILLed under a trickle of writes.
 */

let cluster: RedisCluster;

/** `REDIS_CLUSTER_NODES` → startup nodes, the way the server reads it. */
function parseSpec(spec: string): Array<{ host: string; port: number }> {
  return spec.split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    return { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
  });
}

const WATCHED_EVENTS = [
  'connect',
  'ready',
  'error',
  'close',
  'reconnecting',
  'end',
  '+node',
  '-node',
  'node error',
  'nodeError',
  '+subscriber',
  '-subscriber',
  'subscribersReady',
] as const;

interface Recorded {
  client: Cluster;
  /** `[ms since `since`, event, detail]` */
  events: Array<[number, string, string]>;
  since: { t: number };
}

function detail(args: unknown[]): string {
  return args
    .map((a) => {
      if (a instanceof Error) return a.message;
      if (a && typeof a === 'object' && 'options' in a) {
        const o = (a as { options: { port?: number } }).options;
        return `node ${o.port}`;
      }
      return String(a);
    })
    .join(' ')
    .slice(0, 120);
}

function newClient(options: ClusterOptions = {}): Recorded {
  const client = new Cluster(parseSpec(cluster.spec), options);
  const since = { t: Date.now() };
  const events: Recorded['events'] = [];
  for (const name of WATCHED_EVENTS) {
    // An `error` listener is required: with `shardedSubscribers` a subscriber that cannot connect is reported
    // as a Cluster `error` event, which would throw with no listener.
    client.on(name, (...args: unknown[]) => events.push([Date.now() - since.t, name, detail(args)]));
  }
  onTeardown(() => client.disconnect());
  return { client, events, since };
}

/** Counts of each event name, e.g. `-node×2 refresh×1`. */
function summary(events: Recorded['events']): string {
  const counts = new Map<string, number>();
  for (const [, name] of events) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name}×${n}`).join(' ');
}

/** The first events in full, then counts: failover makes ioredis loop (`-node`/`+node`/`node error` ×100s). */
function compact(events: Recorded['events'], first = 12): string {
  const head = events.slice(0, first).map(([t, e, d]) => `${t}ms ${e}${d ? ` ${d}` : ''}`);
  const rest = events.length > first ? ` … then ${summary(events.slice(first))}` : '';
  return head.join('; ') + rest;
}

beforeAll(async () => {
  cluster = await startRedisCluster();
  onTeardown(() => cluster.stop());
  console.log(`cluster up in ${cluster.startMs} ms: ${cluster.spec}`);
});

describe('redis cluster harness', () => {
  const KEYS = 300;

  test('3 masters + 3 replicas, every slot covered, spec lists every node', async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.spec).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){5}$/);
    expect(cluster.spec).not.toMatch(/:6379\b|:16379\b/);
    const roles = await Promise.all(cluster.nodes.map((n) => n.role()));
    expect(roles.filter((r) => r === 'master')).toHaveLength(3);
    expect(roles.filter((r) => r === 'replica')).toHaveLength(3);
    const masters = await cluster.masters();
    expect(masters.map((m) => m.port).sort((a, b) => a - b)).toEqual(
      cluster.nodes.filter((_, i) => roles[i] === 'master').map((n) => n.port),
    );
    await cluster.waitForOk(1000);
  });

  test('ioredis Cluster writes and reads keys in many slots; pipelines stay within one slot group', async () => {
    const { client: redis } = newClient();
    await Promise.all(Array.from({ length: KEYS }, (_, i) => redis.set(`harness:k:${i}`, String(i))));
    const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => redis.get(`harness:k:${i}`)));
    expect(values).toEqual(Array.from({ length: KEYS }, (_, i) => String(i)));

    // The keys landed on every master.
    for (const master of await cluster.masters()) {
      expect(await redisCommand(master.port, ['DBSIZE'])).toBeGreaterThan(0);
    }

    // Multi-key commands and pipelines must stay on one slot (hash tags), else CROSSSLOT / a client-side refusal.
    await expect(redis.mget('harness:k:1', 'harness:k:2')).rejects.toThrow(/CROSSSLOT/);
    const crossPipeline = redis.pipeline();
    for (let i = 0; i < 20; i++) crossPipeline.get(`harness:k:${i}`);
    await expect(crossPipeline.exec()).rejects.toThrow(/same slots allocation group/);
    const tagged = await redis
      .multi()
      .set('harness:{c_1}:a', '1')
      .set('harness:{c_1}:b', '2')
      .mget('harness:{c_1}:a', 'harness:{c_1}:b')
      .exec();
    expect(tagged?.[2]).toEqual([null, ['1', '2']]);

    // enableAutoPipelining batches per node by itself, across slots.
    const { client: auto } = newClient({ enableAutoPipelining: true });
    const autoValues = await Promise.all(Array.from({ length: KEYS }, (_, i) => auto.get(`harness:k:${i}`)));
    expect(autoValues).toEqual(values);
  });

  test('sharded Pub/Sub through ioredis Cluster with shardedSubscribers: true', async () => {
    const { client: sub, events } = newClient({ shardedSubscribers: true });
    const { client: pub } = newClient();
    const channels = Array.from({ length: 8 }, (_, i) => `broadcast:chat:{c_${i + 1}}`);
    // One SSUBSCRIBE per slot: channels of different slots in one call are refused.
    await expect(sub.ssubscribe(channels[0]!, channels[1]!)).rejects.toThrow(/CROSSSLOT/);
    for (const channel of channels) await sub.ssubscribe(channel);

    const owners = new Set<number>();
    for (const channel of channels) {
      const slot = (await pub.cluster('KEYSLOT', channel)) as number;
      owners.add((await cluster.masterOfSlot(slot)).port);
    }
    expect(owners.size).toBe(3); // the channels span every shard

    const received: Array<[string, string]> = [];
    sub.on('smessage', (channel: string, message: string) => received.push([channel, message]));
    for (const channel of channels) expect(await pub.spublish(channel, `hello ${channel}`)).toBe(1);
    await waitFor(
      () => received.length,
      (n) => n === channels.length,
      { what: 'every smessage' },
    );
    expect(received.sort()).toEqual(channels.map((c) => [c, `hello ${c}`]).sort());
    console.log(`sharded subscriber events: ${summary(events)}`);
    sub.disconnect(); // so that SPUBLISH counts in the next test see only its own subscriber
  });

  test('a sharded subscription follows a slot move only when the client refreshes its slots', async () => {
    const channel = 'broadcast:chat:{c_2}';
    const refreshing = newClient({ shardedSubscribers: true, slotsRefreshInterval: 1000 });
    const plain = newClient({ shardedSubscribers: true }); // ioredis's default: no periodic slots refresh
    const { client: pub } = newClient();
    const got = { refreshing: [] as string[], plain: [] as string[] };
    refreshing.client.on('smessage', (_c: string, m: string) => got.refreshing.push(m));
    plain.client.on('smessage', (_c: string, m: string) => got.plain.push(m));
    await refreshing.client.ssubscribe(channel);
    await plain.client.ssubscribe(channel);
    await pub.set('harness:moved:{c_2}', 'kept');
    expect(await pub.spublish(channel, 'before')).toBe(2);

    const slot = (await pub.cluster('KEYSLOT', channel)) as number;
    const from = await cluster.masterOfSlot(slot);
    const to = (await cluster.masters()).find((m) => m.port !== from.port)!;
    const movedAt = Date.now();
    refreshing.since.t = movedAt;
    plain.since.t = movedAt;
    refreshing.events.length = 0;
    plain.events.length = 0;
    await cluster.moveSlot(slot, to);
    expect((await cluster.masterOfSlot(slot)).port).toBe(to.port);
    expect(await pub.get('harness:moved:{c_2}')).toBe('kept'); // the keys moved with the slot

    // Redis pushes an unsolicited SUNSUBSCRIBE to the old owner's subscribers; the client with a periodic slots
    // refresh re-subscribes on the new owner at its next refresh.
    let n = 0;
    await waitFor(
      async () => {
        await pub.spublish(channel, `after ${++n}`);
        return got.refreshing.some((m) => m.startsWith('after'));
      },
      (ok) => ok,
      { timeoutMs: 5000, intervalMs: 100, what: 'an smessage after the slot move' },
    );
    const resumedMs = Date.now() - movedAt;
    console.log(
      [
        `slot ${slot} moved ${from.port} → ${to.port}; with slotsRefreshInterval 1000 the subscription resumed after ${resumedMs} ms`,
        `  (${got.refreshing.filter((m) => m.startsWith('after')).length} of ${n} messages published since the move received)`,
        `  without slotsRefreshInterval: ${got.plain.filter((m) => m.startsWith('after')).length} of ${n} received`,
        `  events (refreshing): ${compact(refreshing.events)}`,
        `  events (default): ${compact(plain.events)}`,
      ].join('\n'),
    );
    refreshing.client.disconnect();
    plain.client.disconnect();
  });

  test('a master SIGKILLed under a trickle of writes: failover, the client recovers, the subscription resumes', async () => {
    const writer = newClient();
    // Retries spaced out and numerous enough to ride over a ~3.5 s failover (the default 16 redirections,
    // mostly 100 ms apart, and MOVED retried at once, give up after 1-2 s).
    const patient = newClient({
      retryDelayOnFailover: 300,
      retryDelayOnClusterDown: 300,
      retryDelayOnMoved: 100,
      maxRedirections: 64,
    });
    const sub = newClient({ shardedSubscribers: true });
    const channel = 'broadcast:chat:{c_1}';
    const slot = (await writer.client.cluster('KEYSLOT', channel)) as number;
    const victim = await cluster.masterOfSlot(slot);
    // Channels on the shards that keep their master.
    const otherChannels: string[] = [];
    for (let c = 2; c <= 12; c++) {
      const other = `broadcast:chat:{c_${c}}`;
      const otherSlot = (await writer.client.cluster('KEYSLOT', other)) as number;
      if ((await cluster.masterOfSlot(otherSlot)).port !== victim.port) otherChannels.push(other);
    }
    expect(otherChannels.length).toBeGreaterThan(0);
    for (const c of [channel, ...otherChannels]) await sub.client.ssubscribe(c);
    const received: Array<[string, string]> = [];
    sub.client.on('smessage', (c: string, m: string) => received.push([c, m]));

    await writer.client.set('harness:before:{c_1}', 'x');

    // A write every 20 ms from each writer, to keys spread over all slots; each result kept.
    type Result = { key: string; at: number; ok: boolean; error?: string };
    const results: Result[] = [];
    const patientResults: Result[] = [];
    const inFlight: Array<Promise<unknown>> = [];
    const write = (client: Cluster, into: Result[], key: string) => {
      const at = Date.now();
      inFlight.push(
        client.set(key, key).then(
          () => into.push({ key, at, ok: true }),
          (err: Error) => into.push({ key, at, ok: false, error: err.message }),
        ),
      );
    };
    let i = 0;
    const trickle = setInterval(() => {
      const n = i++;
      write(writer.client, results, `harness:trickle:${n}`);
      write(patient.client, patientResults, `harness:patient:${n}`);
    }, 20);
    await new Promise((r) => setTimeout(r, 300));

    const killedAt = Date.now();
    writer.since.t = killedAt;
    sub.since.t = killedAt;
    writer.events.length = 0;
    sub.events.length = 0;
    const { killed, promoted, failoverMs } = await cluster.killMaster((n) => n.port === victim.port);
    expect(killed.port).toBe(victim.port);
    expect(killed.running()).toBe(false);
    expect(await promoted.role()).toBe('master');
    expect((await cluster.masters()).map((m) => m.port)).toContain(promoted.port);
    expect((await cluster.masterOfSlot(slot)).port).toBe(promoted.port);

    // The client writes and reads the failed-over slot again.
    await waitFor(
      () => writer.client.set('harness:after:{c_1}', 'y', 'PX', 60_000),
      (r) => r === 'OK',
      { timeoutMs: 10_000, what: 'a write to the failed-over slot' },
    );
    const clientRecoveredMs = Date.now() - killedAt;
    expect(await writer.client.get('harness:before:{c_1}')).toBe('x');

    // The sharded subscription on the failed-over shard resumes on the promoted master.
    let resumedMs = -1;
    await waitFor(
      async () => {
        await writer.client.spublish(channel, 'after failover');
        return received.some(([c, m]) => c === channel && m === 'after failover');
      },
      (got) => got,
      { timeoutMs: 10_000, intervalMs: 200, what: `an smessage on ${channel} after the failover` },
    );
    resumedMs = Date.now() - killedAt;
    // ...and those on untouched shards still deliver.
    for (const c of otherChannels) expect(await writer.client.spublish(c, 'other')).toBe(1);
    await waitFor(
      () => received.filter(([, m]) => m === 'other').length,
      (n) => n === otherChannels.length,
      { what: 'smessages on the untouched shards' },
    );

    await new Promise((r) => setTimeout(r, 300));
    clearInterval(trickle);
    await Promise.allSettled(inFlight);

    // Every acknowledged write survived the failover. (Replication is asynchronous: a write acked in the last
    // instant before the SIGKILL could in principle be lost; the count is reported before it is asserted.)
    const report = async (name: string, rs: Result[]) => {
      const failed = rs.filter((r) => !r.ok);
      const acked = rs.filter((r) => r.ok);
      const readBack = await Promise.all(acked.map((r) => writer.client.get(r.key)));
      const lost = acked.filter((r, k) => readBack[k] !== r.key).map((r) => r.key);
      let onOtherShards = 0;
      for (const r of failed) {
        const keySlot = (await writer.client.cluster('KEYSLOT', r.key)) as number;
        if ((await cluster.masterOfSlot(keySlot)).port !== promoted.port) onOtherShards++;
      }
      const errors = [...new Set(failed.map((r) => r.error?.replace(/\b\d{1,5}\b/g, 'N')))];
      const span = failed.length
        ? ` issued ${Math.min(...failed.map((r) => r.at - killedAt))}..${Math.max(...failed.map((r) => r.at - killedAt))} ms after the kill, ${onOtherShards} on other shards: ${errors.join(' | ')}`
        : '';
      return {
        lost,
        line: `${name}: ${rs.length} writes, ${acked.length} acked, ${failed.length} failed${span}; lost acked: ${lost.length}`,
      };
    };
    const plainReport = await report('default writer', results);
    const patientReport = await report('patient writer', patientResults);
    const initial = await Promise.all(Array.from({ length: KEYS }, (_, k) => writer.client.get(`harness:k:${k}`)));

    console.log(
      [
        `failover of ${killed.port} → ${promoted.port}: cluster ok again after ${failoverMs} ms`,
        `client wrote the slot again after ${clientRecoveredMs} ms, sharded subscription resumed after ${resumedMs} ms`,
        plainReport.line,
        patientReport.line,
        `writer events: ${compact(writer.events)}`,
        `subscriber events: ${compact(sub.events)}`,
      ].join('\n'),
    );
    expect(plainReport.lost).toEqual([]);
    expect(patientReport.lost).toEqual([]);
    expect(initial).toEqual(Array.from({ length: KEYS }, (_, k) => String(k)));

    // The old master comes back as a replica of the promoted one.
    await killed.start();
    await waitFor(
      () => killed.role(),
      (r) => r === 'replica',
      { timeoutMs: 10_000, what: 'the restarted master to be a replica' },
    );
    await cluster.waitForOk(10_000);
    expect((await cluster.masters()).map((m) => m.port)).not.toContain(killed.port);
  });
});

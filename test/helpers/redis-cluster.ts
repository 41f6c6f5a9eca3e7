import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.js';
import { REDIS_SERVER_BIN, startRedis } from './redis-process.js';

/**
 * A real local Redis Cluster: `masters × (1 + replicasPerMaster)` `redis-server` children with cluster mode and
 * AOF on, each on a free loopback port (its cluster bus on port + 10000) with a temporary dir of its own, joined
 * by `redis-cli --cluster create`. `cluster-node-timeout` is 1500 ms, so a killed master's replica takes over in
 * a few seconds. Never 6379/16379: the shared developer Redis lives there.
 */
export const REDIS_CLI_BIN = process.env.REDIS_CLI_BIN ?? join(dirname(REDIS_SERVER_BIN), 'redis-cli');

/** Low so that failover is quick: a master is marked failed after this long without answering. */
export const CLUSTER_NODE_TIMEOUT_MS = 1500;
const SLOTS = 16384;
const RESERVED_PORTS = new Set([6379, 6380, 8080, 16379, 16380, 18080]);

export interface RedisClusterOptions {
  /** Default 3 (Redis Cluster needs at least 3). */
  masters?: number;
  /** Default 1. */
  replicasPerMaster?: number;
  /** Default `everysec`. */
  appendfsync?: 'always' | 'everysec';
  /** Time allowed for start + `--cluster create` + every node agreeing the cluster is ok; default 30 s. */
  readyTimeoutMs?: number;
}

export interface ClusterNode {
  readonly port: number;
  /** Its own temporary dir (AOF, `nodes.conf`); kept across `kill`/`start`, removed by the cluster's `stop()`. */
  readonly dir: string;
  /** `127.0.0.1:port` */
  readonly address: string;
  pid(): number | undefined;
  running(): boolean;
  /** The last 8000 characters of its log. */
  output(): string;
  /** Read live with `ROLE`. */
  role(): Promise<'master' | 'replica'>;
  /** Sends a signal (default SIGTERM) and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port and dir (same `nodes.conf`, so it rejoins the cluster with its old id). */
  start(): Promise<void>;
}

export interface KillMasterResult {
  killed: ClusterNode;
  /** The replica that took over the killed master's slots. */
  promoted: ClusterNode;
  /** From the SIGKILL until every live node said `cluster_state:ok` with all slots on live masters. */
  failoverMs: number;
}

export interface RedisCluster {
  readonly nodes: ClusterNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…` (every node, masters and replicas): the form of `REDIS_CLUSTER_NODES`. */
  readonly spec: string;
  /** `[{ host, port }, …]`: startup nodes for `new Cluster(…)`. */
  readonly startupNodes: Array<{ host: string; port: number }>;
  /** Milliseconds `startRedisCluster` took (processes, `--cluster create`, every node ok). */
  readonly startMs: number;
  /** The masters now, per `CLUSTER NODES` of a live node (failed ones and masters without slots left out). */
  masters(): Promise<ClusterNode[]>;
  /** The master serving `slot` now (0..16383), per `CLUSTER NODES` of a live node. */
  masterOfSlot(slot: number): Promise<ClusterNode>;
  /**
   * Moves `slot` (and its keys) to the master `to`, the way `redis-cli --cluster reshard` does (IMPORTING /
   * MIGRATING, MIGRATE, SETSLOT NODE on every master), then waits for `waitForOk`.
   */
  moveSlot(slot: number, to: ClusterNode, timeoutMs?: number): Promise<void>;
  /**
   * SIGKILLs one master that has an in-sync replica (the first one `filter` accepts) and resolves once a replica
   * of it is master and every live node says `cluster_state:ok` with every slot on a live master.
   */
  killMaster(filter?: (node: ClusterNode) => boolean | Promise<boolean>, timeoutMs?: number): Promise<KillMasterResult>;
  /**
   * Resolves once every running node reports `cluster_state:ok`, 16384 slots ok (none pfail/fail) and sees every
   * slot on a running master that it does not flag as failed.
   */
  waitForOk(timeoutMs?: number): Promise<void>;
  /** SIGKILLs every node and removes the temporary dirs. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------------------------------
// A minimal RESP2 client: one command over a fresh socket, the reply parsed whole (however it is chunked).

export type RespValue = string | number | null | Error | RespValue[];

/** Parses one RESP2 value at `offset`; undefined while the buffer holds only part of it. */
function parseResp(buf: Buffer, offset: number): { value: RespValue; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new Error(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (buf.length < after + len + 2) return undefined;
      return { value: buf.toString('utf8', after, after + len), next: after + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/** One command on 127.0.0.1:`port`; rejects on a connection error, a timeout or an error reply. */
export function redisCommand(port: number, args: string[], timeoutMs = 2000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | undefined, value?: RespValue) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? null);
    };
    const timer = setTimeout(
      () => finish(new Error(`redis ${args.join(' ')} on port ${port}: no reply in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseResp(buf, 0);
      if (!parsed) return;
      if (parsed.value instanceof Error) {
        finish(new Error(`redis ${args.join(' ')} on port ${port}: ${parsed.value.message}`));
      } else finish(undefined, parsed.value);
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`redis ${args.join(' ')} on port ${port}: connection closed`)));
  });
}

async function commandString(port: number, args: string[], timeoutMs?: number): Promise<string> {
  const reply = await redisCommand(port, args, timeoutMs);
  if (typeof reply !== 'string') throw new Error(`redis ${args.join(' ')}: expected a string, got ${String(reply)}`);
  return reply;
}

/** `key:value` lines of `INFO` / `CLUSTER INFO`. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/** One line of `CLUSTER NODES`. */
export interface ClusterNodesEntry {
  id: string;
  port: number;
  flags: string[];
  /** The master's id for a replica, `-` for a master. */
  masterId: string;
  linkState: string;
  /** Slot ranges served (masters), as `[first, last]`; migrating/importing markers left out. */
  slots: Array<[number, number]>;
  master: boolean;
  failed: boolean;
}

export function parseClusterNodes(text: string): ClusterNodesEntry[] {
  const entries: ClusterNodesEntry[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id, address, flagList, masterId, , , , linkState, ...slotSpecs] = parts as [string, ...string[]];
    const hostPort = address!.split('@')[0]!;
    const port = Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
    const flags = flagList!.split(',');
    const slots: Array<[number, number]> = [];
    for (const spec of slotSpecs) {
      if (spec.startsWith('[')) continue;
      const [first, last] = spec.split('-');
      slots.push([Number(first), Number(last ?? first)]);
    }
    entries.push({
      id,
      port,
      flags,
      masterId: masterId!,
      linkState: linkState!,
      slots,
      master: flags.includes('master'),
      failed: flags.includes('fail') || flags.includes('fail?'),
    });
  }
  return entries;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` (state with no event to wait on) until it returns true; fails with the last reason. */
async function pollUntil(what: string, timeoutMs: number, probe: () => Promise<true | string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const result = await probe();
      if (result === true) return;
      last = result;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}`);
    await sleep(100);
  }
}

/** True when nothing listens on 127.0.0.1:`port` right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free port whose bus port (+10000) is free too, not reserved and not in `taken`. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    const bus = port + 10000;
    if (bus > 65535 || taken.has(port) || taken.has(bus) || RESERVED_PORTS.has(port) || RESERVED_PORTS.has(bus)) {
      continue;
    }
    if (!(await portIsFree(bus))) continue;
    taken.add(port);
    taken.add(bus);
    return port;
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** A cluster node: a `redis-server` (redis-process.ts) with the cluster flags, in a dir the cluster owns. */
async function startNode(port: number, dir: string, appendfsync: 'always' | 'everysec'): Promise<ClusterNode> {
  const proc = await startRedis({
    port,
    dir,
    appendfsync,
    // biome-ignore format: flag/value pairs read best side by side
    extraArgs: [
      '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS),
      // A replica always stands for election, however long its link was down.
      '--cluster-replica-validity-factor', '0',
      // A fresh replica's full sync starts at once instead of after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay', '0',
    ],
  });
  return {
    port,
    dir,
    address: `127.0.0.1:${port}`,
    pid: proc.pid,
    running: proc.running,
    output: proc.output,
    kill: proc.kill,
    start: proc.start,
    async role() {
      const reply = await redisCommand(port, ['ROLE']);
      const role = Array.isArray(reply) ? reply[0] : undefined;
      if (role === 'master') return 'master';
      if (role === 'slave') return 'replica';
      throw new Error(`ROLE on port ${port}: unexpected reply ${JSON.stringify(reply)}`);
    },
  };
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const started = Date.now();
  for (const bin of [REDIS_SERVER_BIN, REDIS_CLI_BIN]) {
    if (!existsSync(bin)) {
      throw new Error(
        `${bin} not found: the cluster tests need a real Redis. Install it with \`apt-get install redis-server\` ` +
          '(or set REDIS_SERVER_BIN / REDIS_CLI_BIN).',
      );
    }
  }
  const masterCount = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  if (masterCount < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const appendfsync = options.appendfsync ?? 'everysec';
  const total = masterCount * (1 + replicasPerMaster);

  const nodes: ClusterNode[] = [];
  const taken = new Set<number>();
  const dirs: string[] = [];
  let stopped = false;

  const stop = async () => {
    stopped = true;
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  };

  try {
    // Start every node; a port grabbed by someone else in between (the bus port is in the ephemeral range) just
    // means another port.
    const launches = await Promise.allSettled(
      Array.from({ length: total }, async () => {
        for (let attempt = 1; ; attempt++) {
          const port = await freeClusterPort(taken);
          const dir = await mkdtemp(join(tmpdir(), 'papo-redis-cluster-'));
          dirs.push(dir);
          try {
            nodes.push(await startNode(port, dir, appendfsync));
            return;
          } catch (err) {
            if (attempt >= 3) throw err;
          }
        }
      }),
    );
    const failed = launches.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    nodes.sort((a, b) => a.port - b.port);

    await createCluster(
      nodes.map((n) => n.address),
      replicasPerMaster,
      readyTimeoutMs,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const runningNodes = () => nodes.filter((n) => n.running());
  const byPort = (port: number) => nodes.find((n) => n.port === port);

  /** `CLUSTER NODES` from the first live node that answers. */
  const clusterNodes = async (): Promise<ClusterNodesEntry[]> => {
    let lastError: unknown;
    for (const node of runningNodes()) {
      try {
        return parseClusterNodes(await commandString(node.port, ['CLUSTER', 'NODES']));
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`no live cluster node answered CLUSTER NODES: ${String(lastError)}`);
  };

  const checkOk = async (): Promise<true | string> => {
    const runners = runningNodes();
    if (runners.length === 0) return 'no node is running';
    const roles = new Map<number, string>();
    for (const node of runners) roles.set(node.port, await node.role());
    for (const node of runners) {
      const info = parseInfo(await commandString(node.port, ['CLUSTER', 'INFO']));
      const state = info.get('cluster_state');
      const ok = info.get('cluster_slots_ok');
      if (state !== 'ok' || ok !== String(SLOTS)) {
        return `port ${node.port}: cluster_state:${state} cluster_slots_ok:${ok} pfail:${info.get('cluster_slots_pfail')} fail:${info.get('cluster_slots_fail')}`;
      }
      const entries = parseClusterNodes(await commandString(node.port, ['CLUSTER', 'NODES']));
      // Its view agrees with every live node's own role (gossip about a new replica or a failover has arrived).
      for (const other of runners) {
        const entry = entries.find((e) => e.port === other.port);
        if (!entry || entry.failed) return `port ${node.port} does not see ${other.port} as a live node`;
        if (entry.master !== (roles.get(other.port) === 'master')) {
          return `port ${node.port} sees ${other.port} as ${entry.flags.join(',')} but it is a ${roles.get(other.port)}`;
        }
      }
      let covered = 0;
      for (const entry of entries) {
        if (!entry.master || entry.slots.length === 0) continue;
        const owner = byPort(entry.port);
        if (entry.failed || !owner?.running()) {
          return `port ${node.port} still sees slots on ${entry.port} (${entry.flags.join(',')}, running: ${owner?.running()})`;
        }
        for (const [first, last] of entry.slots) covered += last - first + 1;
      }
      if (covered !== SLOTS) return `port ${node.port} sees ${covered} of ${SLOTS} slots covered`;
    }
    return true;
  };

  const waitForOk = (timeoutMs = 20_000) => pollUntil('cluster_state:ok on every live node', timeoutMs, checkOk);

  // Every replica in sync with its master, so that the first killMaster can fail over straight away.
  await pollUntil('every replica linked to its master', readyTimeoutMs, async () => {
    let linked = 0;
    for (const node of nodes) {
      const info = parseInfo(await commandString(node.port, ['INFO', 'replication']));
      if (info.get('role') !== 'slave') continue;
      if (info.get('master_link_status') !== 'up') {
        return `replica ${node.port}: master_link_status:${info.get('master_link_status')}`;
      }
      linked++;
    }
    return linked === total - masterCount ? true : `${linked} of ${total - masterCount} replicas linked`;
  }).catch(async (err) => {
    await stop();
    throw err;
  });
  await waitForOk(readyTimeoutMs).catch(async (err) => {
    await stop();
    throw err;
  });

  const masters = async (): Promise<ClusterNode[]> => {
    const entries = await clusterNodes();
    return entries
      .filter((e) => e.master && !e.failed && e.slots.length > 0)
      .map((e) => byPort(e.port))
      .filter((n): n is ClusterNode => n?.running() === true);
  };

  const masterOfSlot = async (slot: number): Promise<ClusterNode> => {
    const entries = await clusterNodes();
    const entry = entries.find((e) => e.master && e.slots.some(([first, last]) => slot >= first && slot <= last));
    const node = entry && byPort(entry.port);
    if (!node) throw new Error(`no master found for slot ${slot}`);
    return node;
  };

  const nodeId = async (node: ClusterNode) => commandString(node.port, ['CLUSTER', 'MYID']);

  const moveSlot = async (slot: number, to: ClusterNode, timeoutMs = 10_000): Promise<void> => {
    const from = await masterOfSlot(slot);
    if (from.port === to.port) return;
    const [fromId, toId] = await Promise.all([nodeId(from), nodeId(to)]);
    const s = String(slot);
    await redisCommand(to.port, ['CLUSTER', 'SETSLOT', s, 'IMPORTING', fromId]);
    await redisCommand(from.port, ['CLUSTER', 'SETSLOT', s, 'MIGRATING', toId]);
    for (;;) {
      const keys = await redisCommand(from.port, ['CLUSTER', 'GETKEYSINSLOT', s, '100']);
      if (!Array.isArray(keys) || keys.length === 0) break;
      await redisCommand(from.port, [
        'MIGRATE',
        '127.0.0.1',
        String(to.port),
        '',
        '0',
        '5000',
        'KEYS',
        ...(keys as string[]),
      ]);
    }
    // The importing node first (it bumps its epoch), then the source, then every other master.
    await redisCommand(to.port, ['CLUSTER', 'SETSLOT', s, 'NODE', toId]);
    await redisCommand(from.port, ['CLUSTER', 'SETSLOT', s, 'NODE', toId]);
    for (const master of await masters()) {
      if (master.port !== to.port && master.port !== from.port) {
        await redisCommand(master.port, ['CLUSTER', 'SETSLOT', s, 'NODE', toId]);
      }
    }
    await pollUntil(`slot ${slot} on ${to.port} everywhere`, timeoutMs, async () => {
      for (const node of runningNodes()) {
        const entries = parseClusterNodes(await commandString(node.port, ['CLUSTER', 'NODES']));
        const owner = entries.find((e) => e.master && e.slots.some(([a, b]) => slot >= a && slot <= b));
        if (owner?.port !== to.port) return `port ${node.port} sees slot ${slot} on ${owner?.port}`;
      }
      return true;
    });
    await waitForOk(timeoutMs);
  };

  const killMaster = async (
    filter?: (node: ClusterNode) => boolean | Promise<boolean>,
    timeoutMs = 20_000,
  ): Promise<KillMasterResult> => {
    if (stopped) throw new Error('the cluster is stopped');
    const entries = await clusterNodes();
    let victim: { node: ClusterNode; replicas: ClusterNode[] } | undefined;
    for (const entry of entries) {
      if (!entry.master || entry.failed || entry.slots.length === 0) continue;
      const node = byPort(entry.port);
      if (!node?.running()) continue;
      const replicas: ClusterNode[] = [];
      for (const r of entries) {
        const replica = byPort(r.port);
        if (r.masterId !== entry.id || r.failed || !replica?.running()) continue;
        const info = parseInfo(await commandString(replica.port, ['INFO', 'replication']).catch(() => ''));
        if (info.get('master_link_status') === 'up') replicas.push(replica);
      }
      if (replicas.length === 0) continue;
      if (filter && !(await filter(node))) continue;
      victim = { node, replicas };
      break;
    }
    if (!victim) throw new Error('no live master with an in-sync replica (matching the filter) to kill');

    const killedAt = Date.now();
    await victim.node.kill('SIGKILL');
    let promoted: ClusterNode | undefined;
    await pollUntil(`a replica of ${victim.node.port} to be promoted`, timeoutMs, async () => {
      for (const replica of victim.replicas) {
        if (replica.running() && (await replica.role().catch(() => undefined)) === 'master') {
          promoted = replica;
          return true;
        }
      }
      return `replicas ${victim.replicas.map((r) => r.port).join(', ')} are still replicas`;
    });
    await waitForOk(Math.max(1000, timeoutMs - (Date.now() - killedAt)));
    return { killed: victim.node, promoted: promoted!, failoverMs: Date.now() - killedAt };
  };

  return {
    nodes,
    spec: nodes.map((n) => n.address).join(','),
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    startMs: Date.now() - started,
    masters,
    masterOfSlot,
    moveSlot,
    killMaster,
    waitForOk,
    stop,
  };
}

/** `redis-cli --cluster create … --cluster-yes`: assigns the slots, pairs replicas with masters, joins them. */
function createCluster(addresses: string[], replicas: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'];
    const proc = spawn(REDIS_CLI_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    let log = '';
    proc.stdout?.on('data', (d: Buffer) => {
      log += d.toString('utf8');
    });
    proc.stderr?.on('data', (d: Buffer) => {
      log += d.toString('utf8');
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(proc);
      // redis-cli exits 0 even on some failures: its last check prints [OK] when every slot is covered.
      if (code === 0 && log.includes('[OK] All 16384 slots covered')) resolve();
      else
        reject(new Error(`redis-cli --cluster create failed (code ${code}, signal ${signal}):\n${log.slice(-4000)}`));
    });
  });
}

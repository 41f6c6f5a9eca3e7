import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster, Command, Redis, type RedisOptions } from 'ioredis';
import type { ClusterNode } from '../config.js';
import type { Logger } from '../log.js';
import { metrics } from '../metrics.js';
import { readWhenReceived, settleInTime, writeOncePerTurn } from './redis-io.js';

/** Scripts that change state: they get a deadline as their last ARGV (see past_deadline in lib.lua). */
const WITH_DEADLINE = new Set<ScriptName>([
  'user-profile',
  'edit-profile',
  'login-code',
  'verify-code',
  'session-create',
  'session-refresh',
  'session-end',
  'conn-add',
  'create-chat',
  'reserve-chat',
  'join-chat',
  'leave-chat',
  'send-message',
  'send-message-counted',
  'send-message-rich',
  'edit-message',
  'delete-message',
  'react',
  'receipt',
  'typing',
  'mute-chat',
  'group-create',
  'group-add',
  'group-remove',
  'set-role',
  'update-chat',
  'invite-create',
  'invite-revoke',
  'invite-join',
  'block-set',
  'block-peer',
  'dm-block',
  'media-claim',
  'media-forget',
  'push-subscribe',
]);

/**
 * The scripts (file names without `.lua`, each one state change in one hash slot; see the header of each
 * file) and the number of KEYS each takes: the rest of its arguments are ARGV.
 */
const KEY_COUNTS = {
  'user-profile': 1,
  'edit-profile': 1,
  'login-code': 3,
  'verify-code': 2,
  'session-create': 1,
  'session-refresh': 1,
  'session-end': 1,
  'session-index': 1,
  'forget-member': 6,
  'drop-chat': 17,
  'conn-add': 1,
  'conn-drop': 2,
  heartbeat: 1,
  'claim-workers': 1,
  'release-worker': 1,
  'create-chat': 4,
  'reserve-chat': 2,
  'user-chat': 3,
  'list-public-chat': 2,
  'chat-list-page': 2,
  'public-chats-page': 2,
  'chat-summary': 8,
  'join-chat': 3,
  'leave-chat': 3,
  'send-message': 12,
  'send-message-counted': 13,
  'send-message-rich': 16,
  'edit-message': 9,
  'delete-message': 12,
  react: 9,
  'read-changes': 5,
  receipt: 9,
  typing: 4,
  'typing-stop': 1,
  'mute-chat': 3,
  'read-messages': 4,
  'group-create': 12,
  'group-add': 12,
  'group-remove': 14,
  'set-role': 12,
  'update-chat': 12,
  'invite-create': 12,
  'invite-revoke': 12,
  'invite-join': 12,
  'chat-info': 12,
  'invite-preview': 12,
  'invites-list': 12,
  'block-set': 2,
  'block-peer': 1,
  'dm-block': 2,
  'hidden-users': 2,
  'message-receipts': 9,
  'media-claim': 2,
  'media-forget': 2,
  'push-subscribe': 1,
  'set-active': 2,
  'push-enrol': 3,
  'push-message': 6,
  'push-recipient': 3,
  'push-mark': 1,
  'push-due': 1,
  count: 1,
  uncount: 1,
} as const;
export type ScriptName = keyof typeof KEY_COUNTS;
export const SCRIPT_NAMES = Object.keys(KEY_COUNTS) as ScriptName[];

/** Scripts that run send-message.lua inside them, as the function send_message(). */
const WITH_SEND = new Set<ScriptName>(['send-message-counted', 'send-message-rich']);
/** Scripts that change or read message changes (contract section 11): message-changes-lib.lua comes first. */
const WITH_CHANGES_LIB = new Set<ScriptName>([
  'send-message-rich',
  'edit-message',
  'delete-message',
  'react',
  'read-changes',
]);

// The .lua files stay in src (tsc does not copy them); dist/store/redis.js finds them from there.
const SCRIPTS_DIR = fileURLToPath(new URL('../../src/store/scripts/', import.meta.url));

function loadScripts(): Record<ScriptName, string> {
  const read = (name: string) => readFileSync(`${SCRIPTS_DIR}${name}.lua`, 'utf8');
  const lib = read('lib');
  const present = new Set(readdirSync(SCRIPTS_DIR));
  const scripts = {} as Record<ScriptName, string>;
  for (const name of SCRIPT_NAMES) {
    if (!present.has(`${name}.lua`)) throw new Error(`missing Lua script ${name}.lua in ${SCRIPTS_DIR}`);
    // The combined scripts run send-message.lua as a function of their own (see their headers).
    const sendPrelude = WITH_SEND.has(name) ? `local function send_message()\n${read('send-message')}\nend\n` : '';
    const changesLib = WITH_CHANGES_LIB.has(name) ? `${read('message-changes-lib')}\n` : '';
    scripts[name] = `${lib}\n${changesLib}${sendPrelude}${read(name)}`;
  }
  return scripts;
}

type ScriptReply = unknown;
export type ScriptRunner = (name: ScriptName, keys: string[], args: (string | number)[]) => Promise<ScriptReply>;

/** A single Redis or a Redis Cluster: the same commands, scripts and sharded Pub/Sub on either. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one server by URL, or a Redis Cluster by some of its nodes (the rest are discovered). */
export type RedisTarget = { url: string } | { clusterNodes: ClusterNode[] };

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

export type RedisClients = {
  /** Commands and scripts. */
  command: RedisClient;
  /** Sharded Pub/Sub subscriber (a connection in subscribe mode can do nothing else). */
  subscriber: RedisClient;
  run: ScriptRunner;
  quit(): Promise<void>;
  /** Closes both connections at once, without waiting for Redis (a shutdown whose quit got no answer). */
  disconnect(): void;
};

/**
 * For logs: the target without credentials, however the URL carries them (`redis://user:pass@host`, or a query
 * `?password=…` after a URL or a socket's path, which ioredis reads too). Up to the last `@`: a password may
 * hold one, and hiding too much is harmless.
 */
export function describeTarget(target: RedisTarget): string {
  if ('url' in target) {
    return target.url.replace(/\/\/.*@/, '//***@').replace(/([?&](?:password|pass|username)=)[^&#]*/gi, '$1***');
  }
  return `cluster ${target.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

export function redisOptions(commandTimeoutMs: number, log: Logger, role: string): RedisOptions {
  return {
    // Fail fast while Redis is away (the client gets `internal`), and never re-send a script whose reply was
    // lost: a send might be stored twice otherwise. ioredis reconnects by itself.
    enableOfflineQueue: role === 'subscriber',
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    // A subscription, and a blocking read (XREADGROUP BLOCK), wait as long as they ask.
    commandTimeout: role === 'subscriber' || role === 'blocking' ? undefined : commandTimeoutMs,
    // Off by default: measured with bench/ (1,000 msg/s into chats of 10), ioredis' auto-pipelining cost ~25%
    // more server CPU per delivery, and Node already coalesces writes queued behind a busy socket.
    enableAutoPipelining: role === 'command' && process.env.REDIS_AUTO_PIPELINING === '1',
    lazyConnect: true,
    // A first connection that fails keeps retrying (retryStrategy) rather than crashing the process.
    connectionName: `papo-${role}-${process.pid}`,
    retryStrategy: (attempt) => {
      if (attempt === 1 || attempt % 20 === 0) log.warn({ redis: role, attempt }, 'redis unreachable, retrying');
      return Math.min(attempt * 100, 2000);
    },
    // A master that became a replica (a failover behind one address) answers writes with READONLY: connect
    // again to reach the new master. Other error replies (NOSCRIPT, WRONGTYPE, a script's own) are answers to
    // one command, not a broken connection.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    // A connection made while Redis loads its data set waits for Redis's own estimate of the rest
    // (loading_eta_seconds, at least 1 s; ioredis' default cap is 10 s) before it asks again: measured after
    // a restart on a busy machine, ready 6.9 s after Redis already answered PING. Asked again soon instead,
    // the worker serves as soon as Redis does.
    maxLoadingRetryTime: 250,
  };
}

/**
 * What ioredis reads from REDIS_URL: `redis://…` and `rediss://…`, or a Unix socket's path (`/run/redis.sock`,
 * options as a query: `?db=1&password=…`). `unix:///run/redis.sock`, as other clients write it, is that path.
 */
export function ioredisUrl(url: string): string {
  const unix = /^unix:(?:\/\/)?(\/.*)$/i.exec(url);
  return unix ? (unix[1] as string) : url;
}

/** A client, and what stops its timers when it quits. */
type Made = { client: RedisClient; stop(): void };

function createClient(target: RedisTarget, commandTimeoutMs: number, log: Logger, role: string): Made {
  const options = redisOptions(commandTimeoutMs, log, role);
  if ('url' in target) {
    // A single Redis's commands are timed out by one sweep per client rather than a timer per command; the
    // subscriber's too (a subscription waiting offline for a Redis that does not come back is a hang).
    const client = new Redis(ioredisUrl(target.url), { ...options, commandTimeout: undefined });
    return { client, stop: role === 'blocking' ? () => {} : settleInTime(client, commandTimeoutMs) };
  }
  const [first] = target.clusterNodes;
  const cluster = new Cluster(
    target.clusterNodes.map(({ host, port }) => ({ host, port })),
    {
      redisOptions: {
        ...options,
        ...(first?.username ? { username: first.username } : {}),
        ...(first?.password ? { password: first.password } : {}),
      },
      lazyConnect: true,
      enableOfflineQueue: role === 'subscriber',
      // Off: auto-pipelined commands that meet a failover come back with the raw MOVED error instead of being
      // redirected (seen in test/cluster/failover.test.ts); one command at a time is redirected properly.
      enableAutoPipelining: false,
      // Chat and user channels are sharded: each subscription lives on its channel's shard and follows slot
      // moves and failovers.
      shardedSubscribers: role === 'subscriber',
      scaleReads: 'master',
      // MOVED, ASK and TRYAGAIN answers mean the command did not run: ioredis sends it again to the slot's
      // owner. CLUSTERDOWN (a failover in progress) and a connection that closed with the command in flight
      // (it may have run) are not retried: like a single Redis that is away, the client is told `internal` at
      // once and retries (the SDK re-sends by client_msg_id).
      retryDelayOnMoved: 100,
      retryDelayOnTryAgain: 100,
      retryDelayOnClusterDown: 0,
      retryDelayOnFailover: 0,
      maxRedirections: 64,
      // A slot move unsubscribes the old owner's sharded subscribers; ioredis resubscribes on its slot map's
      // next refresh, which it otherwise only does on a MOVED reply.
      slotsRefreshInterval: 1000,
      slotsRefreshTimeout: 2000,
      clusterRetryStrategy: (attempt) => {
        if (attempt === 1 || attempt % 20 === 0)
          log.warn({ redis: role, attempt }, 'redis cluster unreachable, retrying');
        return Math.min(attempt * 100, 2000);
      },
    },
  );
  return { client: cluster, stop: () => {} };
}

export async function connectRedis(target: RedisTarget, commandTimeoutMs: number, log: Logger): Promise<RedisClients> {
  const made = [
    createClient(target, commandTimeoutMs, log, 'command'),
    createClient(target, commandTimeoutMs, log, 'subscriber'),
  ];
  const [command, subscriber] = made.map((m) => m.client) as [RedisClient, RedisClient];
  const where = describeTarget(target);
  for (const [role, client] of [
    ['command', command],
    ['subscriber', subscriber],
  ] as const) {
    // The first error of a spell is logged with its cause (ECONNREFUSED host:port, …), then one a minute.
    let lastWarned = 0;
    client.on('error', (err: Error) => {
      const now = Date.now();
      const level = now - lastWarned > 60_000 ? 'warn' : 'debug';
      if (level === 'warn') lastWarned = now;
      log[level]({ redis: role, target: where, err: err.message }, 'redis error');
    });
    client.on('ready', () => {
      lastWarned = 0;
    });
    client.on('ready', () => log.info({ redis: role }, 'redis ready'));
    client.on('end', () => log.debug({ redis: role }, 'redis connection ended'));
  }
  for (const client of [command, subscriber]) {
    if (isCluster(client)) continue;
    writeOncePerTurn(client);
    readWhenReceived(client);
  }
  const scripts = loadScripts();
  const scriptSender = isCluster(command) ? undefined : singleRedisScripts(command, scripts);
  // On a cluster ioredis' own script methods route each call to its slot's node and load the script there.
  // Prefixed: a script named like a client method (`connect`, `disconnect`) would replace it.
  if (isCluster(command)) {
    for (const name of SCRIPT_NAMES) {
      command.defineCommand(`papo_${name}`, { numberOfKeys: KEY_COUNTS[name], lua: scripts[name] });
    }
  }
  await waitUntilConnected(command, log);
  if (isCluster(command)) {
    // ioredis connects to each node on its first command, and without an offline queue a command for a node
    // still connecting is refused: connect to every master before serving.
    await Promise.all(command.nodes('master').map((node) => node.ping().catch(() => undefined)));
  }
  await requireRedis7(command);
  await waitUntilConnected(subscriber, log);

  const byName = command as unknown as Record<string, (...args: (string | number)[]) => Promise<ScriptReply>>;
  const timers = Object.fromEntries(SCRIPT_NAMES.map((name) => [name, metrics.redisSeconds.labels(name)]));
  const failures = Object.fromEntries(SCRIPT_NAMES.map((name) => [name, metrics.redisErrors.labels(name)]));
  const run: ScriptRunner = (name, keys, args) => {
    if (keys.length !== KEY_COUNTS[name]) throw new Error(`script ${name} takes ${KEY_COUNTS[name]} keys`);
    const started = performance.now();
    // The deadline falls short of the command timeout by a fifth: a script that ran in time has that long for
    // its reply to come back (and the two clocks that long to disagree) before the client is told `internal`.
    const deadline = WITH_DEADLINE.has(name) ? [Date.now() + Math.floor(commandTimeoutMs * 0.8)] : [];
    const replied = (reply: ScriptReply) => {
      timers[name]!.observe((performance.now() - started) / 1000);
      return reply;
    };
    const failed = (err: unknown): never => {
      failures[name]!.inc();
      throw err;
    };
    if (!scriptSender) return byName[`papo_${name}`]!(...keys, ...args, ...deadline).then(replied, failed);
    return scriptSender.send(name, keys, args, deadline).then(replied, (err: Error) => {
      if (!err.message?.startsWith('NOSCRIPT')) return failed(err);
      return scriptSender.afterNoScript(name, keys, args, deadline).then(replied, failed);
    });
  };
  return {
    command,
    subscriber,
    run,
    async quit() {
      await Promise.allSettled([command.quit(), subscriber.quit()]);
      for (const m of made) m.stop();
    },
    disconnect() {
      for (const m of made) {
        m.client.disconnect();
        m.stop();
      }
    },
  };
}

const UTF8_REPLY = { replyEncoding: 'utf8' as const };

/** A script call's KEYS, then its ARGV in two parts (the caller's, and the deadline when the script takes one). */
type ScriptCall = (
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
  deadline: number[],
) => Promise<ScriptReply>;

type ScriptSender = {
  send: ScriptCall;
  /** Send again after a NOSCRIPT reply: the script's text this time. */
  afterNoScript: ScriptCall;
};

/**
 * Runs the scripts on a single Redis as ready-made EVALSHA commands. ioredis' defineCommand methods take a
 * wrapper per call (argument handling, a Script command that wraps its reject, a catch for NOSCRIPT) that
 * cost about 4% of a worker's CPU per message (bench/README.md). The protocol is the one ioredis' scripts
 * follow: the first call of a script on a connection sends its text (EVAL, which loads it), later ones its
 * SHA1, and after a NOSCRIPT reply (someone ran SCRIPT FLUSH) the caller sends the text again.
 */
function singleRedisScripts(client: Redis, scripts: Record<ScriptName, string>): ScriptSender {
  const shas = Object.fromEntries(
    SCRIPT_NAMES.map((name) => [name, createHash('sha1').update(scripts[name]).digest('hex')]),
  ) as Record<ScriptName, string>;
  // The connections (ioredis replaces its socket on reconnect) each script was sent to in full.
  const loadedOn = Object.fromEntries(SCRIPT_NAMES.map((name) => [name, new WeakSet<object>()])) as Record<
    ScriptName,
    WeakSet<object>
  >;
  const send: ScriptCall = (name, keys, args, deadline) => {
    const stream = client.stream;
    // Marked only when ioredis writes it now: a command refused while reconnecting loads nothing.
    const loaded = loadedOn[name].has(stream) || !(client.status === 'ready' && stream?.writable);
    if (!loaded) loadedOn[name].add(stream);
    // The command's arguments in one array, built once per call.
    const argv = [loaded ? shas[name] : scripts[name], keys.length, ...keys, ...args, ...deadline];
    return client.sendCommand(new Command(loaded ? 'evalsha' : 'eval', argv, UTF8_REPLY)) as Promise<ScriptReply>;
  };
  return {
    send,
    afterNoScript(name, keys, args, deadline) {
      loadedOn[name].delete(client.stream);
      return send(name, keys, args, deadline);
    },
  };
}

/** Sharded Pub/Sub (SPUBLISH, SSUBSCRIBE) came with Redis 7: say so plainly rather than fail on every event. */
async function requireRedis7(client: RedisClient): Promise<void> {
  const version = /redis_version:(\d+)\.(\d+)/.exec(await client.info('server'));
  if (version && Number(version[1]) < 7) {
    throw new Error(`Papo needs Redis 7 or later (sharded Pub/Sub); this Redis is ${version[1]}.${version[2]}`);
  }
}

/** Wait for the first connection; ioredis keeps retrying (and retryStrategy logs) while Redis is unreachable. */
function waitUntilConnected(client: RedisClient, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    client.once('ready', () => resolve());
    client.connect().catch(() => {
      log.error('cannot reach Redis; retrying (check REDIS_URL or REDIS_CLUSTER_NODES)');
    });
  });
}

/**
 * A connection for blocking reads (the push workers' XREADGROUP … BLOCK): its own, as a blocked connection
 * holds every command behind it, and with no command timeout (the read's BLOCK bounds it). Commands fail
 * at once while it is away; its reader waits and asks again.
 */
export function connectBlocking(target: RedisTarget, log: Logger): RedisClient {
  const { client } = createClient(target, 0, log, 'blocking');
  client.on('error', (err: Error) => log.debug({ redis: 'blocking', err: err.message }, 'redis error'));
  client.connect().catch(() => {});
  return client;
}

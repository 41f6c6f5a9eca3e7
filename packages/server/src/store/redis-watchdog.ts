import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { ioredisUrl, type RedisClient, type RedisTarget } from './redis.js';

/**
 * The worker's view of its Redis command link: down while the command client is not `ready` or the presence
 * heartbeat (a write every PRESENCE_HEARTBEAT_MS) does not succeed. Down past `recoverAfterMs`: said at
 * `error`, and the client is made to connect again (repeated every `recoverAfterMs`). Down past `exitAfterMs`
 * while a new connection to the same Redis answers PING: this worker's link is broken where Redis is not, so
 * the worker exits and the primary forks a replacement. While a new connection fails too, Redis itself is
 * away: every worker would exit for nothing, so they wait and report it instead.
 */
export type LinkWatch = {
  /** Why /healthz answers 503, or undefined while the link is up. */
  problem(): string | undefined;
  heartbeatOk(): void;
  heartbeatFailed(why: string): void;
  stop(): void;
};

export function watchRedisLink(opts: {
  command: RedisClient;
  target: RedisTarget;
  log: Logger;
  commandTimeoutMs: number;
  recoverAfterMs: number;
  exitAfterMs: number;
  /** Called once the worker must go (it logs nothing itself). */
  exit: () => void;
}): LinkWatch {
  const { command, log, recoverAfterMs, exitAfterMs } = opts;
  let heartbeatFailing: string | undefined;
  let problem: string | undefined;
  let downSince: number | undefined;
  let lastRecovery = 0;
  let lastProbe = 0;
  let probing = false;
  let saidAway = false;
  let exiting = false;

  function recover(status: string): void {
    // `end`: ioredis gave up on this client and never connects again by itself. `ready` or `connect`: a
    // connection that does not work; drop it and connect afresh. Otherwise ioredis is connecting already,
    // and disconnecting now would cancel that attempt for good (its connector refuses to go on).
    if (status === 'end' || status === 'wait') command.connect().catch(() => {});
    else if (status === 'ready' || status === 'connect') command.disconnect(true);
  }

  function check(): void {
    const status = command.status;
    const why =
      status !== 'ready'
        ? `Redis command connection is ${status}`
        : heartbeatFailing && `presence heartbeat failing: ${heartbeatFailing}`;
    const now = Date.now();
    if (!why) {
      if (downSince !== undefined && lastRecovery > 0) log.info({ down_ms: now - downSince }, 'redis link back');
      problem = undefined;
      downSince = undefined;
      lastRecovery = 0;
      saidAway = false;
      return;
    }
    downSince ??= now;
    const down = now - downSince;
    problem = `${why} (for ${Math.round(down / 1000)} s)`;
    if (down >= recoverAfterMs && now - lastRecovery >= recoverAfterMs) {
      lastRecovery = now;
      log.error({ down_ms: down, status, why }, 'redis command link down; connecting again');
      recover(status);
    }
    if (down >= exitAfterMs && !probing && !exiting && now - lastProbe >= Math.min(recoverAfterMs, 5000)) {
      probing = true;
      lastProbe = now;
      void probeRedis(opts.target, opts.commandTimeoutMs).then((answers) => {
        probing = false;
        if (downSince === undefined || exiting) return; // back meanwhile
        if (answers) {
          exiting = true;
          log.fatal(
            { down_ms: Date.now() - downSince, why },
            'redis answers a new connection but not this worker: exiting so the primary replaces it',
          );
          opts.exit();
        } else if (!saidAway) {
          saidAway = true;
          log.error({ down_ms: Date.now() - downSince }, 'redis does not answer a new connection either; waiting');
        }
      });
    }
  }

  const timer = setInterval(check, Math.max(50, Math.min(1000, recoverAfterMs / 4)));
  timer.unref();
  // A connection that comes back counts at once (the heartbeat that follows confirms it).
  const onReady = () => check();
  command.on('ready', onReady);
  return {
    problem: () => problem,
    heartbeatOk() {
      heartbeatFailing = undefined;
      check();
    },
    heartbeatFailed(why: string) {
      heartbeatFailing = why;
      check();
    },
    stop() {
      clearInterval(timer);
      command.off('ready', onReady);
    },
  };
}

/** Whether a new connection to the target answers PING within the timeout (it is closed after). */
export async function probeRedis(target: RedisTarget, timeoutMs: number): Promise<boolean> {
  const options = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    connectionName: `papo-probe-${process.pid}`,
  };
  let client: Redis;
  if ('url' in target) client = new Redis(ioredisUrl(target.url), options);
  else {
    const [node] = target.clusterNodes;
    if (!node) return false;
    client = new Redis({
      ...options,
      host: node.host,
      port: node.port,
      username: node.username,
      password: node.password,
    });
  }
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    const ping = client.connect().then(() => client.ping());
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error('probe timed out')), timeoutMs * 2);
    });
    return (await Promise.race([ping, late])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

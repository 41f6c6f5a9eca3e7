import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { LIMITS, TIMINGS } from '@papo/protocol';

/** Every setting, read once from the environment. Each one is documented in the README with its default. */
export type Config = ReturnType<typeof loadConfig>;

function int(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function str(name: string, fallback: string): string {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export type ClusterNode = { host: string; port: number; username?: string; password?: string };

/** `host:port,host:port` or `redis://[user:password@]host:port,…` (REDIS_CLUSTER_NODES). */
export function parseClusterNodes(spec: string): ClusterNode[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const url = new URL(entry.includes('://') ? entry : `redis://${entry}`);
      const port = Number(url.port || 6379);
      if (!url.hostname || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error(`REDIS_CLUSTER_NODES: "${entry}" is not host:port`);
      }
      return {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      };
    });
}

/** Braces in the prefix would change the hash slot of some keys of one script and not others (CROSSSLOT). */
function keyPrefix(prefix: string): string {
  if (/[{}]/.test(prefix)) throw new Error(`REDIS_KEY_PREFIX must not contain braces, got "${prefix}"`);
  return prefix;
}

export function loadConfig() {
  const dataDir = resolve(str('DATA_DIR', './data'));
  return {
    port: int('PORT', 8080),
    host: str('HOST', '0.0.0.0'),
    /** Unset: the primary starts and owns a local redis-server (AOF on) with its data in `DATA_DIR/redis`. */
    redisUrl: process.env.REDIS_URL || undefined,
    /**
     * Set: use this Redis Cluster (`host:port,host:port,…` or `redis://[user:pass@]host:port,…`, some of its
     * nodes; the rest are discovered) instead of REDIS_URL or an owned Redis.
     */
    redisClusterNodes: process.env.REDIS_CLUSTER_NODES ? parseClusterNodes(process.env.REDIS_CLUSTER_NODES) : undefined,
    localRedisPort: int('LOCAL_REDIS_PORT', 6380, 1),
    /** The owned Redis's AOF fsync policy: `everysec` (at most ~1 s of acks lost on power failure) or `always`. */
    redisAppendFsync: oneOf('REDIS_APPENDFSYNC', ['everysec', 'always'] as const, 'everysec'),
    keyPrefix: keyPrefix(str('REDIS_KEY_PREFIX', '')),
    /** Bounded command time, so a stalled Redis turns into `internal` instead of a hang. */
    redisCommandTimeoutMs: int('REDIS_COMMAND_TIMEOUT_MS', 5000, 100),
    /** A worker whose Redis command link is down this long says so at `error` and connects again. */
    redisLinkRecoverMs: int('REDIS_LINK_RECOVER_MS', 15_000, 100),
    /** Down this long while Redis answers a new connection: the worker exits and is replaced. */
    redisLinkExitMs: int('REDIS_LINK_EXIT_MS', 60_000, 100),
    workers: int('WORKERS', availableParallelism(), 1),
    dataDir,
    logLevel: str('LOG_LEVEL', 'info'),
    production: process.env.NODE_ENV === 'production',
    trustProxy: process.env.TRUST_PROXY === '1' || process.env.TRUST_PROXY === 'true',
    maxFrameBytes: int('MAX_FRAME_BYTES', LIMITS.maxFrameBytes, 256),
    /** A socket whose unsent bytes pass this is a slow consumer and is dropped. */
    maxSendBufferBytes: int('MAX_SEND_BUFFER_BYTES', 4 * 1024 * 1024, 1024),
    authTimeoutMs: int('AUTH_TIMEOUT_MS', TIMINGS.authTimeoutMs, 100),
    /** Each socket is pinged this often; one that has not answered the previous ping is cut (half-open TCP). */
    pingIntervalMs: int('WS_PING_INTERVAL_MS', 30_000, 100),
    tokenTtlSeconds: int('TOKEN_TTL_S', TIMINGS.tokenTtlSeconds, 1),
    rateLimitMessages: int('RATE_LIMIT_MESSAGES', 30, 1),
    rateLimitWindowSeconds: int('RATE_LIMIT_WINDOW_S', 10, 1),
    loginRateLimitPerIp: int('LOGIN_RATE_LIMIT_PER_IP', 60, 1),
    loginCodeRateLimitPerAddress: int('LOGIN_CODE_RATE_LIMIT_PER_ADDRESS', 5, 1),
    loginRateWindowSeconds: int('LOGIN_RATE_WINDOW_S', 600, 1),
    loginCodeWebhookUrl: process.env.LOGIN_CODE_WEBHOOK_URL || undefined,
    messagesKeep: int('MESSAGES_KEEP', 1000, 10),
    /** Open connections one user may have at once, over every worker and instance. */
    maxConnectionsPerUser: int('MAX_CONNECTIONS_PER_USER', 20, 1),
    /** Open connections one IP may have on one worker process (counted before auth, so per process). */
    maxConnectionsPerIp: int('MAX_CONNECTIONS_PER_IP', 500, 1),
    /** Chats (public chats and new DMs) one user may create per hour. */
    chatsPerHour: int('CHATS_PER_HOUR', 60, 1),
    maxPublicChatMembers: int('MAX_PUBLIC_CHAT_MEMBERS', 10_000, 2),
    /** Origins allowed to open the WebSocket (comma-separated); unset: any. Clients without Origin are let in. */
    allowedOrigins: (process.env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    presenceHeartbeatMs: int('PRESENCE_HEARTBEAT_MS', 10_000, 100),
    presenceLeaseMs: int('PRESENCE_LEASE_MS', 30_000, 200),
    /** Each worker drops its records of connections it no longer holds this often (a safety net). */
    presenceSweepMs: int('PRESENCE_SWEEP_MS', 60_000, 100),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 10_000, 0),
    /** The primary kills and replaces a serving worker that has not said it is alive for this long. */
    workerStallMs: int('WORKER_STALL_MS', 30_000, 2000),
    webDir: process.env.WEB_DIR || undefined,
  };
}

import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { LIMITS, TIMINGS } from '@papo/protocol';
import proxyAddr from 'proxy-addr';

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

/**
 * Which proxies' `X-Forwarded-For` entries are believed (TRUST_PROXY): none (unset or `0`), the nearest `hops`
 * (each of those proxies appends the address it saw), or proxies at these addresses, CIDRs or proxy-addr's
 * names (`loopback`, `linklocal`, `uniquelocal`). A client's address is the first untrusted one counted from
 * the socket, so whatever a client writes into the header itself is never taken.
 */
export type TrustProxy = { hops: number } | { addresses: string[] } | undefined;

export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? '';
  if (value === '' || value === '0') return undefined;
  if (/^\d+$/.test(value)) return { hops: Number(value) };
  if (/^(true|yes|on|all|\*)$/i.test(value)) {
    throw new Error(
      `TRUST_PROXY=${value} would take the client address from whatever X-Forwarded-For a client sends; set the number of proxies in front of Papo (1) or their addresses (10.0.0.5, 10.0.0.0/8, loopback)`,
    );
  }
  const addresses = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(addresses);
  } catch (err) {
    throw new Error(
      `TRUST_PROXY: ${(err as Error).message} (a hop count, or addresses, CIDRs, loopback, linklocal, uniquelocal)`,
    );
  }
  return { addresses };
}

/** A size as redis.conf writes it (`0` for no limit, `1073741824`, `512mb`, `2gb`): REDIS_MAXMEMORY. */
function redisMemorySize(name: string, fallback: string): string {
  const value = str(name, fallback).trim().toLowerCase();
  if (!/^\d+(k|kb|m|mb|g|gb)?$/.test(value))
    throw new Error(`${name} must be a size like 0, 536870912, 512mb or 2gb, got "${value}"`);
  return value;
}

/**
 * Half the machine's memory (or the container's, when a cgroup limit is lower): Redis forks to rewrite its
 * AOF, and the copy-on-write pages need the rest.
 */
function defaultRedisMaxmemory(): string {
  const constrained = process.constrainedMemory();
  const ram = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  return `${Math.floor(ram / 2 / 1024 / 1024)}mb`;
}

/** Braces in the prefix would change the hash slot of some keys of one script and not others (CROSSSLOT). */
function keyPrefix(prefix: string): string {
  if (/[{}]/.test(prefix)) throw new Error(`REDIS_KEY_PREFIX must not contain braces, got "${prefix}"`);
  return prefix;
}

function num(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
}

function flag(name: string): boolean {
  const raw = process.env[name];
  return raw === '1' || raw === 'true';
}

/**
 * Login codes in the HTTP answer are a development convenience that hands any account to whoever asks: never
 * in production, and never when codes really go out (a webhook), where it would skip the delivery's proof.
 */
function loginCodesInResponse(production: boolean, webhook: string | undefined): boolean {
  if (!flag('LOGIN_CODES_IN_RESPONSE')) return false;
  if (production)
    throw new Error('LOGIN_CODES_IN_RESPONSE=1 is refused with NODE_ENV=production: anyone could log in as anyone.');
  if (webhook)
    throw new Error('LOGIN_CODES_IN_RESPONSE=1 is refused with LOGIN_CODE_WEBHOOK_URL set: codes go to their owners.');
  return true;
}

export type S3Config = {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (`endpoint/bucket/key`): what MinIO, s3rver and most self-hosted stores want. */
  forcePathStyle: boolean;
};

/** S3_BUCKET set: media goes to that bucket (S3_ENDPOINT for any S3-compatible store; unset: AWS). */
function s3Config(): S3Config | undefined {
  const bucket = process.env.S3_BUCKET;
  if (!bucket) return undefined;
  return {
    endpoint: process.env.S3_ENDPOINT || undefined,
    bucket,
    region: str('S3_REGION', 'us-east-1'),
    accessKeyId: process.env.S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: process.env.S3_SECRET_ACCESS_KEY || undefined,
    forcePathStyle: str('S3_FORCE_PATH_STYLE', process.env.S3_ENDPOINT ? '1' : '0') === '1',
  };
}

/** VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY together, or neither; VAPID_SUBJECT is who push services may contact. */
function vapidConfig(): { publicKey?: string; privateKey?: string; subject: string } {
  const publicKey = process.env.VAPID_PUBLIC_KEY || undefined;
  const privateKey = process.env.VAPID_PRIVATE_KEY || undefined;
  if (Boolean(publicKey) !== Boolean(privateKey)) {
    throw new Error(
      'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together: set both, or neither (made once and kept in Redis).',
    );
  }
  return { publicKey, privateKey, subject: str('VAPID_SUBJECT', 'mailto:admin@localhost') };
}

function pushAllowInsecure(production: boolean): boolean {
  if (process.env.PUSH_ALLOW_INSECURE_ENDPOINTS !== '1') return false;
  if (production) throw new Error('PUSH_ALLOW_INSECURE_ENDPOINTS=1 is refused with NODE_ENV=production.');
  return true;
}

export function loadConfig() {
  const dataDir = resolve(str('DATA_DIR', './data'));
  const production = process.env.NODE_ENV === 'production';
  const loginCodeWebhookUrl = process.env.LOGIN_CODE_WEBHOOK_URL || undefined;
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
    /** The owned Redis's `maxmemory` (noeviction: past it writes fail with `internal`, nothing is dropped). */
    redisMaxmemory: redisMemorySize('REDIS_MAXMEMORY', defaultRedisMaxmemory()),
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
    /** `pretty` (coloured lines for people) or `json` (one object per line, for collectors); default by stdout. */
    logFormat: oneOf('LOG_FORMAT', ['pretty', 'json'] as const, process.stdout.isTTY ? 'pretty' : 'json'),
    production,
    trustProxy: parseTrustProxy(process.env.TRUST_PROXY),
    /**
     * A request must have arrived whole within this (headers within the lesser of this and 10 s), and a
     * connection silent this long is closed: slow bodies cannot hold sockets.
     */
    httpRequestTimeoutMs: int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 100),
    /** Prometheus metrics on their own listener (0: none), on loopback unless METRICS_HOST says otherwise. */
    metricsPort: int('METRICS_PORT', 9464),
    metricsHost: str('METRICS_HOST', '127.0.0.1'),
    /** Set: `/metrics` is also served on the main port to `Authorization: Bearer <METRICS_TOKEN>`. */
    metricsToken: process.env.METRICS_TOKEN || undefined,
    maxFrameBytes: int('MAX_FRAME_BYTES', LIMITS.maxFrameBytes, 256),
    /** Each connection's budget of actions: a bucket of this many units, refilled this many per second. */
    wsRatePerSecond: int('WS_RATE_PER_S', 30, 1),
    wsRateBurst: int('WS_RATE_BURST', 600, 1),
    /** Actions one connection may have under way; past it the server stops reading its socket until one ends. */
    maxInFlightPerConnection: int('MAX_IN_FLIGHT_PER_CONNECTION', 16, 1),
    /** A socket whose unsent bytes pass this is a slow consumer and is dropped. */
    maxSendBufferBytes: int('MAX_SEND_BUFFER_BYTES', 4 * 1024 * 1024, 1024),
    authTimeoutMs: int('AUTH_TIMEOUT_MS', TIMINGS.authTimeoutMs, 100),
    /** Each socket is pinged this often; one that has not answered the previous ping is cut (half-open TCP). */
    pingIntervalMs: int('WS_PING_INTERVAL_MS', 30_000, 100),
    tokenTtlSeconds: int('TOKEN_TTL_S', TIMINGS.tokenTtlSeconds, 1),
    /** A session (its refresh token) lives this long after its last refresh. */
    sessionTtlSeconds: int('SESSION_TTL_S', TIMINGS.sessionTtlSeconds, 60),
    /** Sessions one user may hold; a new login past it ends the least recently used. */
    maxSessionsPerUser: int('MAX_SESSIONS_PER_USER', 50, 1),
    /** A temporary account with no live session for this long is deleted (0: never). Fractions allowed. */
    tempAccountTtlDays: num('TEMP_ACCOUNT_TTL_DAYS', 90),
    /** How often a worker looks for temporary accounts to delete (one worker at a time does it). */
    accountSweepIntervalMs: int('ACCOUNT_SWEEP_INTERVAL_S', 3600, 1) * 1000,
    rateLimitMessages: int('RATE_LIMIT_MESSAGES', 30, 1),
    rateLimitWindowSeconds: int('RATE_LIMIT_WINDOW_S', 10, 1),
    loginRateLimitPerIp: int('LOGIN_RATE_LIMIT_PER_IP', 60, 1),
    loginCodeRateLimitPerAddress: int('LOGIN_CODE_RATE_LIMIT_PER_ADDRESS', 5, 1),
    loginRateWindowSeconds: int('LOGIN_RATE_WINDOW_S', 600, 1),
    /** A code asked for again within this long is not sent again (the first is on its way). */
    loginCodeResendMs: int('LOGIN_CODE_RESEND_S', 30) * 1000,
    /** Wrong codes one phone/e-mail may take per day; past it the address takes no code until the day is over. */
    loginCodeFailuresPerDay: int('LOGIN_CODE_FAILURES_PER_DAY', 20, 1),
    loginCodeWebhookUrl,
    /** Development only: `/api/login/code` answers the code itself (`dev_code`). */
    loginCodesInResponse: loginCodesInResponse(production, loginCodeWebhookUrl),
    messagesKeep: int('MESSAGES_KEEP', 1000, 10),
    /** Open connections one user may have at once, over every worker and instance. */
    maxConnectionsPerUser: int('MAX_CONNECTIONS_PER_USER', 20, 1),
    /**
     * Open connections (TCP: HTTP and WebSocket) one address may have on one worker process (counted before
     * auth, so per process). Behind trusted proxies, WebSocket upgrades are counted by the forwarded address.
     */
    maxConnectionsPerIp: int('MAX_CONNECTIONS_PER_IP', 500, 1),
    /** Chats (public chats and new DMs) one user may create per hour. */
    chatsPerHour: int('CHATS_PER_HOUR', 60, 1),
    /** GET /api/users/lookup per user per hour, found or not: finding people by phone or e-mail, not enumerating them. */
    userLookupsPerHour: int('USER_LOOKUPS_PER_HOUR', 30, 1),
    /** PATCH /api/me per user per hour: each rewrites the profile (and grows the AOF). */
    profileChangesPerHour: int('PROFILE_CHANGES_PER_HOUR', 60, 1),
    /** POST and DELETE /api/blocks per user per hour: each tells both users' connections on every worker. */
    blocksPerHour: int('BLOCKS_PER_HOUR', 100, 1),
    maxPublicChatMembers: int('MAX_PUBLIC_CHAT_MEMBERS', 10_000, 2),
    maxGroupMembers: int('MAX_GROUP_MEMBERS', LIMITS.groupMembersDefault, 2),
    /** Per-user receipt events go to every member only in chats of at most this many (contract section 10). */
    receiptsFanoutMaxMembers: int('RECEIPTS_FANOUT_MAX_MEMBERS', LIMITS.receiptsFanoutMaxMembers, 2),
    /** Own messages may be edited this long after sending, and deleted for everyone this long (section 11). */
    editWindowSeconds: int('EDIT_WINDOW_S', TIMINGS.editWindowSeconds, 1),
    deleteWindowSeconds: int('DELETE_WINDOW_S', TIMINGS.deleteWindowSeconds, 1),
    /** Changes a chat keeps for `sync` with `after_change_id`. */
    changesKeep: int('CHANGES_KEEP', LIMITS.changesKeep, 10),
    /**
     * Group changes one user may make per hour, each member added or removed, role, info and invite counting
     * one: each tells every member of the group.
     */
    groupChangesPerHour: int('GROUP_CHANGES_PER_HOUR', 2000, 1),
    /** Chats one user may be in (public chats and DMs); creating or joining one more is `forbidden`. */
    maxChatsPerUser: int('MAX_CHATS_PER_USER', 1000, 1),
    /** Joins and leaves one user may make per hour: each tells every member of the chat. */
    membershipChangesPerHour: int('MEMBERSHIP_CHANGES_PER_HOUR', 100, 1),
    /** History pages (`sync`, `GET …/messages`) one user may read per window; past it `rate_limited`. */
    readPagesPerWindow: int('READ_PAGES_PER_WINDOW', 2000, 1),
    readWindowSeconds: int('READ_WINDOW_S', 60, 1),
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
    /** Uploads (contract section 12): photos, videos and voice; files (`?name=`). Past them: 413. */
    maxUploadBytes: int('MAX_UPLOAD_BYTES', LIMITS.uploadMaxBytes, 1),
    maxFileBytes: int('MAX_FILE_BYTES', LIMITS.fileMaxBytes, 1),
    /** Uploads one user may make per hour (each is stored, and an image re-encoded). */
    mediaUploadsPerHour: int('MEDIA_UPLOADS_PER_HOUR', 300, 1),
    /** Uploads one worker processes at once; more wait their turn (each reads an image whole into sharp). */
    mediaUploadsInFlight: int('MEDIA_UPLOADS_IN_FLIGHT', 8, 1),
    /** An upload must have arrived whole within this (100 MiB on a slow phone link takes minutes). */
    mediaUploadTimeoutMs: int('MEDIA_UPLOAD_TIMEOUT_S', 600, 1) * 1000,
    /** Where media is kept: `DATA_DIR/media` by default, or an S3-compatible store when S3_BUCKET is set. */
    mediaDir: resolve(str('MEDIA_DIR', resolve(dataDir, 'media'))),
    s3: s3Config(),
    /** Signs media links (`media.url`); unset: made once and kept in Redis, so every instance signs alike. */
    mediaLinkSecret: process.env.MEDIA_LINK_SECRET || undefined,
    /** How often a worker deletes unsent uploads and media no kept message refers to. */
    mediaSweepIntervalMs: int('MEDIA_SWEEP_INTERVAL_S', 600, 1) * 1000,
    /**
     * A media just claimed for a message (sent, forwarded, made a picture) is never deleted within this, while
     * its message is being stored; a send that took longer claims it again.
     */
    mediaClaimGraceSeconds: int('MEDIA_CLAIM_GRACE_S', 30, 2),
    /** Web Push (contract section 13): VAPID keys from here, or made once and kept in Redis. */
    vapid: vapidConfig(),
    /** Development and tests: push endpoints may be http, loopback or private; refused in production. */
    pushAllowInsecureEndpoints: pushAllowInsecure(production),
    /** A user none of whose connections has been in front of them for this long is pushed new messages. */
    pushIdleSeconds: int('PUSH_IDLE_S', 30, 0),
    /** `full`: a line of the message in the notification; `none`: "New message" (the title and sender stay). */
    pushPreview: oneOf('PUSH_PREVIEW', ['full', 'none'] as const, 'full'),
    /** How long a push service keeps a push for a device that is offline. */
    pushTtlSeconds: int('PUSH_TTL_S', 86_400, 0),
    /** A push that failed for a while (429, 5xx, network) is tried again after this, ×6 each time… */
    pushRetryBaseMs: int('PUSH_RETRY_BASE_MS', 10_000, 1),
    /** …at most this many times (10 s, 1 min, 6 min, 36 min by default), then given up. */
    pushRetries: int('PUSH_RETRIES', 4, 0),
    /** A queued push held this long by a worker that took it and did not finish (it died) is taken by another. */
    pushClaimIdleMs: int('PUSH_CLAIM_IDLE_MS', 60_000, 100),
    /** Pushes one worker sends at once. */
    pushConcurrency: int('PUSH_CONCURRENCY', 16, 1),
    /** The queue keeps about this many entries at most (the oldest go first when no worker takes any). */
    pushQueueMax: int('PUSH_QUEUE_MAX', 100_000, 100),
  };
}

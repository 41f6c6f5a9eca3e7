import { relative } from 'node:path';
import type { Config } from './config.js';
import type { OwnedRedis } from './owned-redis.js';
import { describeTarget, type RedisTarget } from './store/redis.js';

/** What the start banner says: how the server runs and where things are, as log fields and as lines for people. */
export type StartFacts = {
  mode: 'production' | 'development';
  url: string;
  listen: string;
  workers: number;
  redis: string;
  media: string;
  push: string;
  login_codes: string;
};

/** A browser's address for the listen address: `localhost` for any-address and loopback, else the host itself. */
function browserUrl(host: string, port: number): string {
  const local = ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host);
  const name = local ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/** Where a login code goes: the webhook's origin only (its path may carry a secret), or the server's log. */
function loginCodesGo(config: Config): string {
  if (config.loginCodeWebhookUrl) {
    let origin = 'the webhook';
    try {
      origin = new URL(config.loginCodeWebhookUrl).origin;
    } catch {}
    return `POSTed to ${origin} (LOGIN_CODE_WEBHOOK_URL)`;
  }
  const answers = config.loginCodesInResponse ? ', and in the API answers (LOGIN_CODES_IN_RESPONSE=1)' : '';
  return `written to this log${answers}; set LOGIN_CODE_WEBHOOK_URL to send them by SMS or e-mail`;
}

/** Web Push: whose VAPID keys, and what browsers need to use it. */
function pushSays(config: Config): string {
  const keys = config.vapid.publicKey ? 'VAPID keys from VAPID_*' : 'VAPID keys made once, kept in Redis';
  const insecure = config.pushAllowInsecureEndpoints ? '; http and loopback endpoints allowed (development)' : '';
  return `${keys}, subject ${config.vapid.subject}${insecure}; browsers push to HTTPS sites (or localhost) only`;
}

/** A path as short as it can be said: relative to the working directory when inside it. */
function shortPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') ? inside : path;
}

export function startFacts(
  config: Config,
  target: RedisTarget,
  owned: OwnedRedis | undefined,
  port: number,
): StartFacts {
  const redis = owned
    ? `its own redis-server on 127.0.0.1:${owned.port}, data in ${shortPath(owned.dir)} (AOF on)`
    : describeTarget(target).replace(/\?.*$/, '');
  return {
    mode: config.production ? 'production' : 'development',
    url: browserUrl(config.host, port),
    listen: `${config.host}:${port}`,
    workers: config.workers,
    redis,
    media: config.s3
      ? `S3 bucket ${config.s3.bucket}${config.s3.endpoint ? ` at ${config.s3.endpoint}` : ''}`
      : `${shortPath(config.mediaDir)} (a folder: several machines need it shared, or S3_BUCKET)`,
    push: pushSays(config),
    login_codes: loginCodesGo(config),
  };
}

/** The banner a person sees on a terminal once the server is ready. */
export function bannerLines(facts: StartFacts): string[] {
  const rows: Array<[string, string]> = [
    ['Open', `${facts.url}   (listening on ${facts.listen}, ${facts.workers} worker${facts.workers === 1 ? '' : 's'})`],
    [
      'Mode',
      facts.mode === 'production' ? 'production (NODE_ENV=production)' : 'development (NODE_ENV is not production)',
    ],
    ['Redis', facts.redis],
    ['Media', facts.media],
    ['Push', facts.push],
    ['Login codes', facts.login_codes],
    ['Stop', 'Ctrl-C (workers finish first, then Redis)'],
  ];
  return ['', '  Papo is ready', ...rows.map(([k, v]) => `  ${k.padEnd(12)}${v}`), ''];
}

import type { ErrorCode } from '@papo/protocol';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Keys } from './keys.js';
import { isCluster, type RedisClient, type ScriptName, type ScriptRunner } from './redis.js';

/** What every store module needs: the command client, the script runner, key names and settings. */
export type StoreContext = {
  redis: RedisClient;
  run: ScriptRunner;
  keys: Keys;
  config: Config;
};

const REFUSAL_MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'No such chat, or it is not yours to see.',
  forbidden: 'You are not a member of this chat.',
  invalid_payload: 'message_id is above the chat’s last message.',
  invalid_token: 'The token’s user no longer exists; log in again.',
  internal: 'Redis answered too late; nothing was changed. Try again.',
};

/** `rate_limited` for `what` (messages, new chats, …), retry after `wait` seconds. */
export function rateLimited(what: string, wait: number): AppError {
  return new AppError('rate_limited', `Too many ${what}; try again in ${wait} s.`, { retry_after: wait });
}

/** `amount` hits (one by default) on a fixed-window limit (count.lua); throws `rate_limited` past it. */
export async function countHit(
  run: ScriptRunner,
  counterKey: string,
  limit: number,
  windowSeconds: number,
  what: string,
  amount = 1,
): Promise<void> {
  const wait = Number(await run('count', [counterKey], [limit, windowSeconds, amount]));
  if (wait > 0) throw rateLimited(what, wait);
}

/**
 * Scripts answer `['ok', …]` or `[code, …]` with a contract error code; this returns the rest of an `ok`
 * reply and throws the refusal otherwise.
 */
export function okOrThrow(reply: unknown): unknown[] {
  const [status, ...rest] = Array.isArray(reply) ? reply : [reply];
  if (status === 'ok') return rest;
  const code = status as ErrorCode;
  if (code === 'rate_limited') {
    const retryAfter = Math.max(1, Number(rest[0]) || 1);
    if (typeof rest[1] === 'string') throw new AppError('rate_limited', rest[1], { retry_after: retryAfter });
    throw rateLimited('requests', retryAfter);
  }
  // A script may say why (a second element); otherwise the code's usual message.
  if (code in REFUSAL_MESSAGES || code === 'forbidden' || code === 'internal') {
    throw new AppError(code, typeof rest[0] === 'string' ? rest[0] : (REFUSAL_MESSAGES[code] ?? code));
  }
  throw new AppError('internal', 'Unexpected store reply.', {}, { cause: reply });
}

/**
 * A send or change script that counts against the sender's message rate: in the script on a single Redis
 * (`countedHere`), else counted first and given back when the script refuses it or changed nothing (its reply's
 * third value: 1 a repeat for a send, 0 a no-op for a change).
 */
export async function countedSend(
  run: ScriptRunner,
  script: ScriptName,
  scriptKeys: string[],
  args: (string | number)[],
  rateKey: string,
  countedHere: boolean,
  config: Config,
  nothingDone: 0 | 1 = 1,
): Promise<unknown[]> {
  if (countedHere) {
    const reply = (await run(script, scriptKeys, args)) as unknown[];
    if (reply[0] === 'rate_limited') throw rateLimited('messages', Number(reply[1]));
    return okOrThrow(reply);
  }
  await countHit(run, rateKey, config.rateLimitMessages, config.rateLimitWindowSeconds, 'messages');
  const reply = (await run(script, scriptKeys, args).catch((err: Error) => {
    // Refused before it ran (a failover in progress): it did nothing, give the unit back.
    if (/^CLUSTERDOWN|isn't ready|Too many Cluster redirections/.test(err.message)) {
      run('uncount', [rateKey], []).catch(() => {});
    }
    throw err;
  })) as unknown[];
  if (reply[0] !== 'ok' || reply[2] === nothingDone) run('uncount', [rateKey], []).catch(() => {});
  return okOrThrow(reply);
}

/**
 * A script that dropped a message's media reference (a delete, a trim) answers the media ids no kept message of
 * that chat carries any more: they are looked at now (store/media.ts decides whether any chat still keeps them).
 * Lost on a crash, they are looked at by the periodic check anyway.
 */
export function checkReleasedMedia({ redis, keys }: Pick<StoreContext, 'redis' | 'keys'>, released: unknown): void {
  if (!Array.isArray(released) || released.length === 0) return;
  const now = Date.now();
  redis.zadd(keys.mediaCheck, ...released.flatMap((id) => [now, String(id)])).catch(() => {});
}

/** One read command: its name and arguments. */
export type ReadCommand = [command: string, ...args: (string | number)[]];

/**
 * Several reads that may touch many slots, in one round trip: a pipeline on a single Redis; on a cluster, one
 * command each, all sent at once (a pipeline must stay within one node there).
 * Resolves with the replies in order; the first error rejects.
 */
export async function readAll(redis: RedisClient, commands: ReadCommand[]): Promise<unknown[]> {
  if (commands.length === 0) return [];
  if (isCluster(redis)) return Promise.all(commands.map(([command, ...args]) => redis.call(command, ...args)));
  const rows = (await redis.pipeline(commands).exec()) ?? [];
  return rows.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

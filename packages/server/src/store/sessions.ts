import { createHash, randomBytes } from 'node:crypto';
import type { LoginAnswer, RefreshAnswer, SessionInfo } from '@papo/protocol';
import { AppError } from '../errors.js';
import { dropSessionSubscriptions } from './push.js';
import { okOrThrow, type ReadCommand, readAll, type StoreContext } from './store.js';

/** A refresh secret presented within this long of its rotation still works (a lost answer, racing tabs). */
const REFRESH_GRACE_MS = 30_000;
/** Rotated refresh tokens remembered per session: a later use of one of them ends the session. */
const ROTATED_KEPT = 20;
/** An access token replaced by a refresh keeps working this long, for requests already under way. */
const REPLACED_TOKEN_S = 60;

/**
 * Tokens carry their session's id before a dot (`s_….secret`), so a token names its session without a
 * lookup: logout, "this device" in the sessions list, and closing a session's sockets need it.
 */
const newSessionId = () => `s_${randomBytes(12).toString('base64url')}`;
const newSecret = (sessionId: string) => `${sessionId}.${randomBytes(24).toString('base64url')}`;
/** Only hashes of refresh tokens are stored: a copy of Redis does not hand out sessions. */
const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The session a token (access or refresh) belongs to; undefined for a token made before sessions existed. */
export function sessionIdOf(token: string): string | undefined {
  const dot = token.indexOf('.');
  return dot > 2 && token.startsWith('s_') ? token.slice(0, dot) : undefined;
}

/**
 * Sessions (contract section 3): an access token that lasts `TOKEN_TTL_S`, a refresh token that lasts
 * `SESSION_TTL_S` from its last use and rotates at each refresh, and the user's list of them.
 *
 * The session's hash, the user's list, the tokens and the temporary-account index live in different slots,
 * so each change is steps, ordered so that a crash between two leaves nothing usable that should not be:
 * a new session is written before its token exists; an ended session is deleted (and with it its refresh
 * token) before its access tokens; the list is an index pruned by expiry, so a stale entry is harmless.
 */
export function createSessionStore(context: StoreContext) {
  const { redis, run, keys, config } = context;
  const tokenTtl = config.tokenTtlSeconds;
  const sessionTtl = config.sessionTtlSeconds;
  const expiryMs = () => Date.now() + sessionTtl * 1000;
  const tempAccountGraceMs = config.tempAccountTtlDays * 86_400_000;

  /** The user's list of sessions (and, for a temporary account, the date it may be deleted) follow a session. */
  async function index(userId: string, sessionId: string): Promise<void> {
    const expiry = expiryMs();
    const evicted = (await run(
      'session-index',
      [keys.userSessions(userId)],
      [sessionId, expiry, config.maxSessionsPerUser],
    )) as string[];
    // Only accounts still listed as temporary move (XX): tying one to a phone or e-mail takes it off the list.
    await redis.zadd(keys.temporaryAccounts, 'XX', 'GT', expiry + tempAccountGraceMs, userId);
    await Promise.all(evicted.map((id) => end(userId, id)));
  }

  /** Whether the user has a live session (a temporary account without one may be deleted). */
  async function hasLive(userId: string): Promise<boolean> {
    return (await redis.zcount(keys.userSessions(userId), Date.now(), '+inf')) > 0;
  }

  /** The session's open connections, on any worker or instance, are closed (4001): see fanout/hub.ts. */
  function ended(userId: string, sessionId: string): Promise<unknown> {
    return redis.spublish(keys.userChannel(userId), `ux${sessionId}\n`);
  }

  async function revokeTokens(...tokens: string[]): Promise<void> {
    const live = tokens.filter(Boolean);
    if (live.length > 0) await Promise.all(live.map((token) => redis.del(keys.token(token))));
  }

  /** Ends a session; false when it is not the user's (or already gone). */
  async function end(userId: string, sessionId: string): Promise<boolean> {
    const reply = (await run('session-end', [keys.session(sessionId)], [userId])) as unknown[];
    if (reply[0] === 'not_found') return false;
    const [access, accessPrev] = okOrThrow(reply) as [string, string];
    await revokeTokens(access, accessPrev);
    await forget(userId, sessionId);
    return true;
  }

  /**
   * An ended session leaves the user's list, its push subscriptions go, and its connections are closed. A temporary account whose last
   * session it was may go once the grace has passed from now (not from when that session would have expired).
   */
  async function forget(userId: string, sessionId: string): Promise<void> {
    await redis.zrem(keys.userSessions(userId), sessionId);
    // Its device's push subscription goes with it (the push workers also skip any whose session is gone).
    await dropSessionSubscriptions(context, userId, sessionId);
    if (!(await hasLive(userId))) {
      await redis.zadd(keys.temporaryAccounts, 'XX', 'LT', Date.now() + tempAccountGraceMs, userId);
    }
    await ended(userId, sessionId);
  }

  return {
    /** A new session for a user who just logged in; `temporary` puts the account on the deletion list. */
    async create(userId: string, device: string, temporary: boolean): Promise<LoginAnswer> {
      const sessionId = newSessionId();
      const token = newSecret(sessionId);
      const refreshToken = newSecret(sessionId);
      okOrThrow(
        await run(
          'session-create',
          [keys.session(sessionId)],
          [userId, hashOf(refreshToken), token, device, sessionTtl],
        ),
      );
      if (temporary) await redis.zadd(keys.temporaryAccounts, 'GT', expiryMs() + tempAccountGraceMs, userId);
      await index(userId, sessionId);
      await redis.set(keys.token(token), userId, 'EX', tokenTtl);
      return {
        token,
        user_id: userId,
        expires_in: tokenTtl,
        refresh_token: refreshToken,
        refresh_expires_in: sessionTtl,
      };
    },

    /** A new token pair for a refresh token; 401 for an unknown one, and for a copy (which ends the session). */
    async refresh(refreshToken: string): Promise<RefreshAnswer & { user_id: string }> {
      const sessionId = sessionIdOf(refreshToken);
      const gone = new AppError('unauthenticated', 'This session has ended; log in again.');
      if (!sessionId) throw gone;
      const token = newSecret(sessionId);
      const next = newSecret(sessionId);
      const reply = (await run(
        'session-refresh',
        [keys.session(sessionId)],
        [hashOf(refreshToken), hashOf(next), token, REFRESH_GRACE_MS, sessionTtl, ROTATED_KEPT],
      )) as unknown[];
      if (reply[0] === 'invalid') throw gone;
      if (reply[0] === 'reused') {
        const [, userId, access, accessPrev] = reply as string[];
        await revokeTokens(access!, accessPrev!);
        await forget(userId!, sessionId);
        throw new AppError(
          'unauthenticated',
          'This session was ended: its refresh token had already been used (a copy of it may exist). Log in again.',
        );
      }
      const [userId, replaced, revoked] = okOrThrow(reply) as [string, string, string];
      await redis.set(keys.token(token), userId, 'EX', tokenTtl);
      // The token just replaced lives on briefly (requests under way), the one before it not at all.
      await Promise.all([
        replaced ? redis.expire(keys.token(replaced), REPLACED_TOKEN_S, 'LT') : undefined,
        revokeTokens(revoked),
      ]);
      await index(userId, sessionId);
      return {
        user_id: userId,
        token,
        expires_in: tokenTtl,
        refresh_token: next,
        refresh_expires_in: sessionTtl,
      };
    },

    end,

    /** Ends every session of the user but one; how many ended. */
    async endOthers(userId: string, keep: string | undefined): Promise<number> {
      const ids = await redis.zrange(keys.userSessions(userId), 0, -1);
      const results = await Promise.all(ids.filter((id) => id !== keep).map((id) => end(userId, id)));
      return results.filter(Boolean).length;
    },

    /** The user's live sessions, the most recently used first. */
    async list(userId: string, current: string | undefined): Promise<SessionInfo[]> {
      await redis.zremrangebyscore(keys.userSessions(userId), '-inf', Date.now());
      const ids = await redis.zrevrange(keys.userSessions(userId), 0, config.maxSessionsPerUser - 1);
      const rows = await readAll(
        redis,
        ids.map((id): ReadCommand => ['hmget', keys.session(id), 'user_id', 'device', 'created_at', 'last_used']),
      );
      const sessions: SessionInfo[] = [];
      rows.forEach((row, i) => {
        const [owner, device, createdAt, lastUsed] = row as (string | null)[];
        if (owner !== userId) return; // expired between the two reads
        sessions.push({
          session_id: ids[i]!,
          device: device ?? '',
          created_at: Number(createdAt ?? 0),
          last_used: Number(lastUsed ?? 0),
          current: ids[i] === current,
        });
      });
      return sessions.sort((a, b) => b.last_used - a.last_used);
    },

    hasLive,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

import { randomInt } from 'node:crypto';
import { TIMINGS, type UserDetails, type UserProfile } from '@papo/protocol';
import { AppError } from '../errors.js';
import { newToken, newUserId } from './ids.js';
import { okOrThrow, type StoreContext } from './store.js';

export type Session = { token: string; user_id: string; expires_in: number };

/** Users, tokens and login codes. */
export function createUserStore({ redis, run, keys, config }: StoreContext) {
  const ttl = config.tokenTtlSeconds;

  async function profiles(userIds: string[]): Promise<UserProfile[]> {
    if (userIds.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of userIds) pipeline.hmget(keys.user(id), 'username', 'avatar_url');
    const rows = (await pipeline.exec()) ?? [];
    const result: UserProfile[] = [];
    rows.forEach(([err, value], i) => {
      if (err) throw err;
      const [username, avatarUrl] = value as (string | null)[];
      if (username !== null && username !== undefined) {
        result.push({ user_id: userIds[i]!, username, avatar_url: avatarUrl ?? '' });
      }
    });
    return result;
  }

  return {
    /** A temporary account: a new user each call. */
    async createTemporary(username: string, avatarUrl: string): Promise<Session> {
      const userId = newUserId();
      const token = newToken();
      okOrThrow(await run('create-user', [keys.user(userId), keys.token(token)], [userId, username, avatarUrl, ttl]));
      return { token, user_id: userId, expires_in: ttl };
    },

    /** The user a token belongs to, renewing it for another TTL; undefined when unknown or expired. */
    async useToken(token: string): Promise<string | undefined> {
      return (await redis.getex(keys.token(token), 'EX', ttl)) ?? undefined;
    },

    /** The user a token belongs to, without renewing it (HTTP reads). */
    async tokenUser(token: string): Promise<string | undefined> {
      return (await redis.get(keys.token(token))) ?? undefined;
    },

    async profile(userId: string): Promise<UserProfile | undefined> {
      return (await profiles([userId]))[0];
    },

    profiles,

    async details(userId: string): Promise<UserDetails | undefined> {
      const rows = (await redis
        .pipeline()
        .hmget(keys.user(userId), 'username', 'avatar_url')
        .sismember(keys.onlineUsers, userId)
        .get(keys.lastSeen(userId))
        .exec()) as [Error | null, unknown][];
      const [fields, online, lastSeen] = rows.map(([err, value]) => {
        if (err) throw err;
        return value;
      });
      const [username, avatarUrl] = fields as (string | null)[];
      if (username === null || username === undefined) return undefined;
      return {
        user_id: userId,
        username,
        avatar_url: avatarUrl ?? '',
        online: online === 1,
        last_seen: lastSeen ? Number(lastSeen) : null,
      };
    },

    async onlineUsers(): Promise<UserProfile[]> {
      return profiles(await redis.smembers(keys.onlineUsers));
    },

    async userExists(userId: string): Promise<boolean> {
      return (await redis.exists(keys.user(userId))) === 1;
    },

    /** A fixed-window hit; throws rate_limited past the limit. */
    async hit(counterKey: string, limit: number, windowSeconds: number, what: string): Promise<void> {
      const wait = Number(await run('count', [counterKey], [limit, windowSeconds]));
      if (wait > 0) {
        const retryAfter = wait;
        throw new AppError('rate_limited', `Too many ${what}; try again in ${retryAfter} s.`, {
          retry_after: retryAfter,
        });
      }
    },

    /** A fresh 6-digit code for an address (replacing any earlier one), valid 5 minutes. */
    async issueCode(address: string): Promise<string> {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const key = keys.loginCode(address);
      await redis.multi().hset(key, 'code', code, 'tries', 0).expire(key, TIMINGS.loginCodeTtlSeconds).exec();
      return code;
    },

    async forgetCode(address: string): Promise<void> {
      await redis.del(keys.loginCode(address));
    },

    /** Exchange a code for a session; the address keeps its user across logins. */
    async verifyCode(
      address: string,
      code: string,
      profile: { username?: string; avatar_url?: string },
      defaultUsername: string,
    ): Promise<Session> {
      const token = newToken();
      const reply = (await run(
        'verify-code',
        [keys.loginCode(address), keys.loginUser(address), keys.token(token)],
        [
          keys.prefix,
          code,
          newUserId(),
          profile.username ?? '',
          profile.avatar_url ?? '',
          defaultUsername,
          ttl,
          TIMINGS.loginCodeTries,
        ],
      )) as [string, string | number];
      if (reply[0] === 'ok') return { token, user_id: String(reply[1]), expires_in: ttl };
      if (reply[0] === 'internal') okOrThrow(reply);
      if (reply[0] === 'wrong_code') {
        const left = Number(reply[1]);
        throw new AppError(
          'unauthenticated',
          left > 0 ? `Wrong code; ${left} tries left.` : 'Wrong code; no tries left, request a new code.',
        );
      }
      throw new AppError('unauthenticated', 'No valid code for this address; request a new one.');
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;

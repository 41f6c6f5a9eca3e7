import { randomInt } from 'node:crypto';
import { TIMINGS, type UserDetails, type UserProfile } from '@papo/protocol';
import { AppError } from '../errors.js';
import { newToken, newUserId } from './ids.js';
import { countHit, okOrThrow, readAll, type StoreContext } from './store.js';

export type Session = { token: string; user_id: string; expires_in: number };

/** Users, tokens and login codes. */
export function createUserStore({ redis, run, keys, config }: StoreContext) {
  const ttl = config.tokenTtlSeconds;

  async function profiles(userIds: string[]): Promise<UserProfile[]> {
    const rows = await readAll(
      redis,
      userIds.map((id) => ['hmget', keys.user(id), 'username', 'avatar_url']),
    );
    const result: UserProfile[] = [];
    rows.forEach((value, i) => {
      const [username, avatarUrl] = value as (string | null)[];
      if (username !== null && username !== undefined) {
        result.push({ user_id: userIds[i]!, username, avatar_url: avatarUrl ?? '' });
      }
    });
    return result;
  }

  /** Creates the user's record when missing; updates the fields given otherwise. */
  async function ensureUser(
    userId: string,
    profile: { username?: string; avatar_url?: string },
    defaultUsername: string,
  ): Promise<void> {
    const reply = await run(
      'user-profile',
      [keys.user(userId)],
      ['ensure', profile.username ?? '', profile.avatar_url ?? '', defaultUsername],
    );
    if (Array.isArray(reply)) okOrThrow(reply); // past its deadline
  }

  return {
    /** A temporary account: a new user each call (the user first, so a token never names a missing user). */
    async createTemporary(username: string, avatarUrl: string): Promise<Session> {
      const userId = newUserId();
      const token = newToken();
      await ensureUser(userId, { username, avatar_url: avatarUrl }, username);
      await redis.set(keys.token(token), userId, 'EX', ttl);
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
      const [fields, online, lastSeen] = await readAll(redis, [
        ['hmget', keys.user(userId), 'username', 'avatar_url'],
        ['sismember', keys.onlineUsers, userId],
        ['get', keys.lastSeen(userId)],
      ]);
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
    hit(counterKey: string, limit: number, windowSeconds: number, what: string): Promise<void> {
      return countHit(run, counterKey, limit, windowSeconds, what);
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

    /**
     * Exchange a code for a session; the address keeps its user across logins. Three steps in three slots, each
     * safe to repeat: the code is consumed; the address gets its user id (SET NX: the first login's stays); the
     * user's record is made if missing; then the token. A crash between them costs a new code, never a second
     * user for the address.
     */
    async verifyCode(
      address: string,
      code: string,
      profile: { username?: string; avatar_url?: string },
      defaultUsername: string,
    ): Promise<Session> {
      const reply = (await run('verify-code', [keys.loginCode(address)], [code, TIMINGS.loginCodeTries])) as [
        string,
        string | number,
      ];
      if (reply[0] === 'internal') okOrThrow(reply);
      if (reply[0] === 'wrong_code') {
        const left = Number(reply[1]);
        throw new AppError(
          'unauthenticated',
          left > 0 ? `Wrong code; ${left} tries left.` : 'Wrong code; no tries left, request a new code.',
        );
      }
      if (reply[0] !== 'ok')
        throw new AppError('unauthenticated', 'No valid code for this address; request a new one.');
      const fresh = newUserId();
      const existing = await redis.set(keys.loginUser(address), fresh, 'NX', 'GET');
      const userId = existing ?? fresh;
      await ensureUser(userId, profile, defaultUsername);
      const token = newToken();
      await redis.set(keys.token(token), userId, 'EX', ttl);
      return { token, user_id: userId, expires_in: ttl };
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;

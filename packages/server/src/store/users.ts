import { randomBytes, randomInt } from 'node:crypto';
import {
  type Contact,
  type LoginAnswer,
  type MyProfile,
  TIMINGS,
  type UserDetails,
  type UserProfile,
} from '@papo/protocol';
import { AppError } from '../errors.js';
import { hiddenIn, hiddenReads } from './blocks.js';
import { readContacts } from './contacts.js';
import { newUserId } from './ids.js';
import type { SessionStore } from './sessions.js';
import { countHit, okOrThrow, readAll, type StoreContext } from './store.js';

/** How an account logs in: by a code sent to a phone or an e-mail address. */
export type Address = { channel: 'phone' | 'email'; address: string };

/** A code asked for: the code, whether it must be delivered now, whether it is new, the requester's challenge. */
export type CodeRequest = { code: string; send: boolean; fresh: boolean; challengeId: string };

/** Wrong codes allowed per address per day (LOGIN_CODE_FAILURES_PER_DAY) are counted over this window. */
const DAY_S = 86_400;
/** Challenges one pending code may have. */
const MAX_CHALLENGES = 50;
/** Letters and digits that cannot be misread, for neutral default names. */
const NAME_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A name for an account that gave none, unrelated to its phone or e-mail ("User K7QF"). */
export function neutralUsername(): string {
  return `User ${Array.from(randomBytes(4), (b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('')}`;
}

/** Users, their login codes and their accounts' addresses; sessions are store/sessions.ts's. */
export function createUserStore({ redis, run, keys, config }: StoreContext, sessions: SessionStore) {
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

  /**
   * Creates the user's record when missing (a temporary account when `temporary`); updates the fields given
   * otherwise, and records the address the user logs in with.
   */
  async function ensureUser(
    userId: string,
    profile: { username?: string; avatar_url?: string },
    options: { temporary?: boolean; login?: Address },
  ): Promise<void> {
    const reply = await run(
      'user-profile',
      [keys.user(userId)],
      [
        'ensure',
        profile.username ?? '',
        profile.avatar_url ?? '',
        neutralUsername(),
        options.temporary ? '1' : '0',
        options.login?.channel ?? '',
        options.login?.address ?? '',
      ],
    );
    if (Array.isArray(reply)) okOrThrow(reply); // past its deadline
  }

  /** Checks a code for an address (throws the refusal); consumes it when right. */
  async function checkCode(address: string, code: string, challengeId: string | undefined): Promise<void> {
    const reply = (await run(
      'verify-code',
      [keys.loginCode(address), keys.loginFailures(address)],
      [code, challengeId ?? '', TIMINGS.loginCodeTries, config.loginCodeFailuresPerDay, DAY_S],
    )) as [string, string | number];
    if (reply[0] === 'wrong_code') {
      const left = Number(reply[1]);
      throw new AppError(
        'unauthenticated',
        left > 0 ? `Wrong code; ${left} tries left.` : 'Wrong code; no tries left, request a new code.',
      );
    }
    if (reply[0] === 'no_code')
      throw new AppError('unauthenticated', 'No valid code for this address; request a new one.');
    okOrThrow(reply);
  }

  return {
    /** A temporary account: a new user each call (the user first, so a token never names a missing user). */
    async createTemporary(username: string, avatarUrl: string, device: string): Promise<LoginAnswer> {
      const userId = newUserId();
      await ensureUser(userId, { username, avatar_url: avatarUrl }, { temporary: true });
      return sessions.create(userId, device, true);
    },

    /** The user a token belongs to; undefined when unknown or expired. Using a token does not extend it. */
    async tokenUser(token: string): Promise<string | undefined> {
      return (await redis.get(keys.token(token))) ?? undefined;
    },

    /** A token without a session (made before sessions existed) is logged out by deleting it. */
    async revokeToken(token: string): Promise<void> {
      await redis.del(keys.token(token));
    },

    /** The caller's own profile: what others see, and how the account logs in. */
    async myProfile(userId: string): Promise<MyProfile | undefined> {
      const fields = await redis.hmget(
        keys.user(userId),
        'username',
        'avatar_url',
        'temporary',
        'phone',
        'email',
        'about',
      );
      const [username, avatarUrl, temporary, phone, email, about] = fields;
      if (username === null || username === undefined) return undefined;
      return {
        user_id: userId,
        username,
        avatar_url: avatarUrl ?? '',
        temporary: temporary === '1',
        ...(phone ? { phone } : {}),
        ...(email ? { email } : {}),
        about: about ?? '',
      };
    },

    /** PATCH /api/me: the name and "about" line, already cleaned; false when the user no longer exists. */
    /**
     * Changes the user's own profile; `pictureMediaId` is an upload claimed as theirs ('' removes the picture).
     * Resolves with false when the user no longer exists, else with the picture replaced ('' none).
     */
    async editProfile(
      userId: string,
      change: { username?: string; about?: string; pictureMediaId?: string },
    ): Promise<false | { replacedPicture: string }> {
      const picture = change.pictureMediaId;
      const reply = await run(
        'edit-profile',
        [keys.user(userId)],
        [
          change.username === undefined ? '0' : '1',
          change.username ?? '',
          change.about === undefined ? '0' : '1',
          change.about ?? '',
          picture === undefined ? '0' : '1',
          picture ?? '',
          picture ? `/api/media/${picture}` : '',
        ],
      );
      return Array.isArray(reply) ? { replacedPicture: String(reply[1] ?? '') } : false;
    },

    profiles,

    /**
     * Whoever logs in with exactly this phone or e-mail, as a contact seen by `viewer`; undefined when nobody
     * does (now).
     */
    async lookup(login: Address, viewer: string): Promise<Contact | undefined> {
      const userId = await redis.get(keys.loginUser(login.address));
      return userId ? (await readContacts({ redis, keys }, [userId], viewer))[0] : undefined;
    },

    /** A user's profile and presence as `viewer` may see them: offline, no last seen, across a block. */
    async details(userId: string, viewer: string): Promise<UserDetails | undefined> {
      const [fields, online, lastSeen, blocked, blockedBy] = await readAll(redis, [
        ['hmget', keys.user(userId), 'username', 'avatar_url'],
        ['sismember', keys.onlineUsers, userId],
        ['get', keys.lastSeen(userId)],
        ...hiddenReads(keys, viewer),
      ]);
      const [username, avatarUrl] = fields as (string | null)[];
      if (username === null || username === undefined) return undefined;
      const seen = !hiddenIn(blocked, blockedBy).has(userId);
      return {
        user_id: userId,
        username,
        avatar_url: avatarUrl ?? '',
        online: seen && online === 1,
        last_seen: seen && lastSeen ? Number(lastSeen) : null,
      };
    },

    /** The users online now, but those hidden from `viewer` (a block either way). */
    async onlineUsers(viewer: string): Promise<UserProfile[]> {
      const [online, blocked, blockedBy] = await readAll(redis, [
        ['smembers', keys.onlineUsers],
        ...hiddenReads(keys, viewer),
      ]);
      const hidden = hiddenIn(blocked, blockedBy);
      return profiles((online as string[]).filter((id) => !hidden.has(id)));
    },

    async userExists(userId: string): Promise<boolean> {
      return (await redis.exists(keys.user(userId))) === 1;
    },

    /** A fixed-window hit; throws rate_limited past the limit. */
    hit(counterKey: string, limit: number, windowSeconds: number, what: string): Promise<void> {
      return countHit(run, counterKey, limit, windowSeconds, what);
    },

    /** Gives back a hit that turned out not to count (uncount.lua). */
    async giveBack(counterKey: string): Promise<void> {
      await run('uncount', [counterKey], []);
    },

    /**
     * A code for an address (login-code.lua): the pending one, or a new 6-digit one; the requester's own
     * challenge; whether to deliver it now. Throws rate_limited past the address's limits.
     */
    async requestCode(address: string): Promise<CodeRequest> {
      const challengeId = randomBytes(12).toString('base64url');
      const fresh = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const reply = await run(
        'login-code',
        [keys.loginCode(address), keys.rateLoginAddress(address), keys.loginFailures(address)],
        [
          fresh,
          challengeId,
          TIMINGS.loginCodeTtlSeconds,
          config.loginCodeRateLimitPerAddress,
          config.loginRateWindowSeconds,
          config.loginCodeFailuresPerDay,
          config.loginCodeResendMs,
          MAX_CHALLENGES,
        ],
      );
      const [code, send, isNew] = okOrThrow(reply) as [string, number, number];
      return { code, send: send === 1, fresh: isNew === 1, challengeId };
    },

    /** A new code that could not be delivered is taken back, so the next request makes (and sends) another. */
    async forgetCode(address: string): Promise<void> {
      await redis.del(keys.loginCode(address));
    },

    /**
     * Exchange a code for a session; the address keeps its user across logins. Steps in different slots, each
     * safe to repeat: the code is consumed; the address gets its user id (SET NX: the first login's stays); the
     * user's record is made if missing; then the session. A crash between them costs a new code, never a second
     * user for the address.
     */
    async verifyCode(
      login: Address,
      code: string,
      challengeId: string | undefined,
      profile: { username?: string; avatar_url?: string },
      device: string,
    ): Promise<LoginAnswer> {
      await checkCode(login.address, code, challengeId);
      const fresh = newUserId();
      const existing = await redis.set(keys.loginUser(login.address), fresh, 'NX', 'GET');
      const userId = existing ?? fresh;
      await ensureUser(userId, profile, { login });
      return sessions.create(userId, device, false);
    },

    /** 403 unless the account may take this address (it has none of that kind yet, or has this one). */
    async checkLinkable(userId: string, login: Address): Promise<void> {
      const current = await redis.hget(keys.user(userId), login.channel);
      if (current && current !== login.address) {
        throw new AppError(
          'forbidden',
          `This account already logs in with ${login.channel === 'phone' ? 'a phone number' : 'an e-mail address'}.`,
        );
      }
    },

    /**
     * Ties an account to the phone or e-mail a code was sent to: from then on logging in with it is this
     * account, and a temporary account is kept like any other. The address is claimed first (SET NX), so two
     * accounts can never share one; the profile and the temporary list follow, each safe to repeat.
     */
    async link(userId: string, login: Address, code: string, challengeId: string | undefined): Promise<MyProfile> {
      await this.checkLinkable(userId, login);
      await checkCode(login.address, code, challengeId);
      const owner = (await redis.set(keys.loginUser(login.address), userId, 'NX', 'GET')) ?? userId;
      if (owner !== userId) {
        throw new AppError('forbidden', 'Another account logs in with this address; log in with it instead.');
      }
      await redis
        .multi()
        .hset(keys.user(userId), login.channel, login.address)
        .hdel(keys.user(userId), 'temporary')
        .exec();
      await redis.zrem(keys.temporaryAccounts, userId);
      const profile = await this.myProfile(userId);
      if (!profile) throw new AppError('unauthenticated', 'This account no longer exists; log in again.');
      return profile;
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;

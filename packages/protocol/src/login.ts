import { type Static, Type } from '@sinclair/typebox';
import { AvatarUrl, UnixSeconds, UserId, Username } from './common.js';
import { LIMITS } from './limits.js';
import { MediaId } from './media.js';

/**
 * Login and sessions (contract section 3): temporary accounts, login by a code sent to a phone or e-mail,
 * access tokens that last an hour and refresh tokens that rotate, the user's sessions (devices).
 */

/** E.164: a plus sign and 8 to 15 digits, the first not zero. */
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{7,14}$', description: 'E.164, e.g. +5511912345678' });
export const Email = Type.String({
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
  description: 'An e-mail address.',
});
const Code = Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code that was sent.' });
export const ChallengeId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description:
    'From the `/code` answer: ties the verification to this request, so other requests for the same address cannot use up its tries. (extension)',
});
const SessionId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const RefreshToken = Type.String({ minLength: 1, maxLength: 256 });

export const LoginBody = Type.Object({ username: Username, avatar_url: Type.Optional(AvatarUrl) });
export const LoginCodeBody = Type.Union([
  Type.Object({ phone: Phone }, { additionalProperties: false }),
  Type.Object({ email: Email }, { additionalProperties: false }),
]);
const verifyFields = {
  code: Code,
  challenge_id: Type.Optional(ChallengeId),
  username: Type.Optional(Username),
  avatar_url: Type.Optional(AvatarUrl),
};
export const LoginVerifyBody = Type.Union([
  Type.Object({ phone: Phone, ...verifyFields }),
  Type.Object({ email: Email, ...verifyFields }),
]);
/** Tying the caller's account to a phone or e-mail: the same code flow, for an authenticated caller. */
export const LinkVerifyBody = Type.Union([
  Type.Object({ phone: Phone, code: Code, challenge_id: Type.Optional(ChallengeId) }, { additionalProperties: false }),
  Type.Object({ email: Email, code: Code, challenge_id: Type.Optional(ChallengeId) }, { additionalProperties: false }),
]);
export const RefreshBody = Type.Object({ refresh_token: RefreshToken }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;
export type LoginCodeBody = Static<typeof LoginCodeBody>;
export type LoginVerifyBody = Static<typeof LoginVerifyBody>;
export type LinkVerifyBody = Static<typeof LinkVerifyBody>;

const refreshFields = {
  refresh_token: Type.String({
    description:
      'Exchange it at `POST /api/token/refresh` for a new token before `expires_in` runs out. It rotates: each refresh answers a new one, and presenting one already rotated ends the session.',
  }),
  refresh_expires_in: Type.Integer({ description: 'Seconds (SESSION_TTL_S, 30 days by default), renewed by use.' }),
};

export const LoginAnswer = Type.Object({
  token: Type.String(),
  user_id: UserId,
  expires_in: Type.Integer({ description: 'Seconds: 3600.' }),
  ...refreshFields,
});
export const RefreshAnswer = Type.Object({
  token: Type.String(),
  expires_in: Type.Integer({ description: 'Seconds: 3600.' }),
  ...refreshFields,
});
export const LoginCodeAnswer = Type.Object({
  sent: Type.Literal(true),
  challenge_id: ChallengeId,
  expires_in: Type.Integer({ description: 'Seconds the code is valid for.' }),
  dev_code: Type.Optional(
    Type.String({ description: 'Only from a server started with LOGIN_CODES_IN_RESPONSE=1 (development).' }),
  ),
});

export const SessionInfo = Type.Object({
  session_id: SessionId,
  device: Type.String({ description: 'What logged in, as its User-Agent names it (e.g. "Chrome on Android").' }),
  created_at: UnixSeconds,
  last_used: UnixSeconds,
  current: Type.Boolean({ description: 'The session of the token that asked.' }),
});
export type SessionInfo = Static<typeof SessionInfo>;

/** The caller's own profile: what others see, and how the account logs in. */
export const MyProfile = Type.Object({
  user_id: UserId,
  username: Type.String(),
  avatar_url: Type.String({ description: 'Empty when the user set none.' }),
  temporary: Type.Boolean({
    description:
      'A temporary account (no phone or e-mail): it is lost when its last session ends, unless one is added. (extension)',
  }),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  about: Type.String({ description: 'The “about” line others see under the name; empty when none.' }),
});
export type MyProfile = Static<typeof MyProfile>;

/** PATCH /api/me: what the caller changes of their own profile (at least one field). */
export const ProfileUpdateBody = Type.Object(
  {
    username: Type.Optional(Username),
    about: Type.Optional(
      Type.String({
        maxLength: LIMITS.aboutMaxLength,
        description: 'Shown under the name; an empty string removes it. Control characters are dropped.',
      }),
    ),
    avatar_media_id: Type.Optional(
      Type.Union([MediaId, Type.Literal('')], {
        description:
          'One’s picture: an image one uploaded (within 24 h), cropped square by the client; `""` removes it. `avatar_url` then points at it. (section 12)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProfileUpdateBody = Static<typeof ProfileUpdateBody>;

export type LoginAnswer = Static<typeof LoginAnswer>;
export type RefreshAnswer = Static<typeof RefreshAnswer>;
export type LoginCodeAnswer = Static<typeof LoginCodeAnswer>;

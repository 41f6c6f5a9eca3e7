import {
  LinkVerifyBody,
  LoginBody,
  LoginCodeBody,
  LoginVerifyBody,
  ProfileUpdateBody,
  RefreshBody,
  TIMINGS,
} from '@papo/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { cleanName, cleanOptionalText } from '../display-text.js';
import { AppError } from '../errors.js';
import type { CodeSender } from '../login/code-sender.js';
import { deviceLabel } from '../login/device.js';
import type { Keys } from '../store/keys.js';
import type { MediaStore } from '../store/media.js';
import { type SessionStore, sessionIdOf } from '../store/sessions.js';
import type { Address, UserStore } from '../store/users.js';
import { checker, validate } from './validate.js';

type LoginDeps = {
  config: Config;
  keys: Keys;
  users: UserStore;
  sessions: SessionStore;
  codeSender: CodeSender;
  media: MediaStore;
};

const SessionIdParam = Type.Object({ session_id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

/** The request's Bearer token, or '' without one. */
function bearerToken(req: FastifyRequest): string {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

/** The user and token of the request's Bearer token; 401 without a valid one. */
export async function authenticated(req: FastifyRequest, users: UserStore): Promise<{ userId: string; token: string }> {
  const token = bearerToken(req);
  const userId = token ? await users.tokenUser(token) : undefined;
  if (!userId) throw new AppError('unauthenticated', 'A valid Bearer token is required; log in again.');
  return { userId, token };
}

/** The address a phone or e-mail logs in as (e-mail in lower case): codes, login and lookups all key on it. */
export function addressOf(body: { phone: string } | { email: string }): Address {
  return 'phone' in body
    ? { channel: 'phone', address: body.phone }
    : { channel: 'email', address: body.email.toLowerCase() };
}

/**
 * Contract section 3: temporary accounts, login by a code sent to a phone or e-mail, sessions (refresh, logout,
 * the list of devices), and tying an account to a phone or e-mail.
 */
export function registerLoginRoutes(app: FastifyInstance, deps: LoginDeps): void {
  const { config, keys, users, sessions, codeSender, media } = deps;

  const limitIp = (req: FastifyRequest) =>
    users.hit(keys.rateLoginIp(req.ip), config.loginRateLimitPerIp, config.loginRateWindowSeconds, 'login requests');

  const authed = (req: FastifyRequest) => authenticated(req, users);

  /**
   * A code for an address, delivered unless it went out moments ago. The answer is the same whether a code
   * was pending or not: only its challenge is new.
   */
  async function sendCode(reply: FastifyReply, login: Address) {
    const request = await users.requestCode(login.address);
    if (request.send) {
      try {
        await codeSender.send({
          channel: login.channel,
          to: login.address,
          code: request.code,
          expires_in: TIMINGS.loginCodeTtlSeconds,
        });
      } catch (err) {
        if (request.fresh) await users.forgetCode(login.address);
        throw new AppError('internal', 'The code could not be delivered; try again later.', {}, { cause: err });
      }
    }
    return reply.code(202).send({
      sent: true,
      challenge_id: request.challengeId,
      expires_in: TIMINGS.loginCodeTtlSeconds,
      ...(config.loginCodesInResponse ? { dev_code: request.code } : {}),
    });
  }

  app.post('/api/login', async (req) => {
    await limitIp(req);
    const body = validate(LoginBody, req.body, 'body');
    const username = cleanName(body.username, 'body.username') as string;
    return users.createTemporary(username, body.avatar_url ?? '', deviceLabel(req.headers['user-agent']));
  });

  app.post('/api/login/code', async (req, reply) => {
    await limitIp(req);
    return sendCode(reply, addressOf(validate(LoginCodeBody, req.body, 'body')));
  });

  app.post('/api/login/verify', async (req) => {
    await limitIp(req);
    const body = validate(LoginVerifyBody, req.body, 'body');
    const profile = { username: cleanName(body.username, 'body.username'), avatar_url: body.avatar_url };
    return users.verifyCode(
      addressOf(body),
      body.code,
      body.challenge_id,
      profile,
      deviceLabel(req.headers['user-agent']),
    );
  });

  // A refused refresh is a failed login, counted against the IP like one; one that works gives its count back,
  // so the clients behind one address refreshing every hour never meet the limit.
  app.post('/api/token/refresh', async (req) => {
    const body = validate(RefreshBody, req.body, 'body');
    await limitIp(req);
    const { user_id: _user, ...answer } = await sessions.refresh(body.refresh_token);
    await users.giveBack(keys.rateLoginIp(req.ip)).catch(() => {});
    return answer;
  });

  app.post('/api/logout', async (req, reply) => {
    const { userId, token } = await authed(req);
    const sessionId = sessionIdOf(token);
    // A token from before sessions existed has none: it alone goes.
    if (!sessionId || !(await sessions.end(userId, sessionId))) await users.revokeToken(token);
    return reply.code(204).send();
  });

  app.get('/api/sessions', async (req) => {
    const { userId, token } = await authed(req);
    return { sessions: await sessions.list(userId, sessionIdOf(token)) };
  });

  app.delete('/api/sessions/:session_id', async (req, reply) => {
    const { userId } = await authed(req);
    const params = req.params as { session_id: string };
    if (!checker(SessionIdParam).Check(params) || !(await sessions.end(userId, params.session_id))) {
      throw new AppError('not_found', 'No such session.');
    }
    return reply.code(204).send();
  });

  app.delete('/api/sessions', async (req) => {
    const { userId, token } = await authed(req);
    return { ended: await sessions.endOthers(userId, sessionIdOf(token)) };
  });

  app.post('/api/me/login/code', async (req, reply) => {
    const { userId } = await authed(req);
    await limitIp(req);
    const login = addressOf(validate(LoginCodeBody, req.body, 'body'));
    await users.checkLinkable(userId, login);
    return sendCode(reply, login);
  });

  app.post('/api/me/login/verify', async (req) => {
    const { userId } = await authed(req);
    await limitIp(req);
    const body = validate(LinkVerifyBody, req.body, 'body');
    return users.link(userId, addressOf(body), body.code, body.challenge_id);
  });

  app.get('/api/me', async (req) => {
    const { userId } = await authed(req);
    const profile = await users.myProfile(userId);
    if (!profile) throw new AppError('unauthenticated', 'This account no longer exists; log in again.');
    return profile;
  });

  // The name is cleaned as at login (something visible required); the about line likewise, but may be emptied.
  app.patch('/api/me', async (req) => {
    const { userId } = await authed(req);
    const body = validate(ProfileUpdateBody, req.body, 'body');
    await users.hit(keys.rateProfile(userId), config.profileChangesPerHour, 3600, 'profile changes');
    const change = {
      ...(body.username !== undefined ? { username: cleanName(body.username, 'username') } : {}),
      ...(body.about !== undefined ? { about: cleanOptionalText(body.about) } : {}),
      ...(body.avatar_media_id !== undefined ? { pictureMediaId: body.avatar_media_id } : {}),
    };
    // A picture is the caller's image upload, claimed first (its slot), then set (the user's).
    if (body.avatar_media_id) await media.claimAvatar(userId, body.avatar_media_id, `user:${userId}`);
    const edited = await users.editProfile(userId, change);
    // The picture replaced is looked at by the media sweep: deleted unless something else uses it.
    if (edited && edited.replacedPicture !== '') await media.released(edited.replacedPicture);
    const profile = edited ? await users.myProfile(userId) : undefined;
    if (!profile) throw new AppError('unauthenticated', 'This account no longer exists; log in again.');
    return profile;
  });
}

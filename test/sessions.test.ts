import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat } from './helpers/chat-actions.js';
import { api, login, uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectWithToken } from './helpers/session.js';
import { waitFor } from './helpers/wait.js';

/**
 * Sessions that last (issue 16, finding 3; contract section 3): refresh tokens that rotate, a copied one that
 * ends the session, logout, the sessions list, tying a temporary account to an e-mail, and temporary accounts
 * that go once no session of theirs is left.
 */
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({
    env: { MAX_SESSIONS_PER_USER: '3', TEMP_ACCOUNT_TTL_DAYS: '0.00002', ACCOUNT_SWEEP_INTERVAL_S: '1' },
  });
  redis = redisClient();
});

const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

const refresh = (refreshToken: string) =>
  api(server.url, '/api/token/refresh', { body: { refresh_token: refreshToken } });
const me = (token: string) => api(server.url, '/api/me', { token });

/** A code login (this server answers codes: LOGIN_CODES_IN_RESPONSE=1), from a browser named by `agent`. */
async function codeLogin(email: string, agent?: string) {
  const headers = agent ? { 'user-agent': agent } : undefined;
  const asked = await api(server.url, '/api/login/code', { body: { email }, headers });
  const body = { email, code: asked.body.dev_code, challenge_id: asked.body.challenge_id };
  const reply = await api(server.url, '/api/login/verify', { body, headers });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as { token: string; user_id: string; refresh_token: string; refresh_expires_in: number };
}

describe('refresh tokens', () => {
  it('every login answers a refresh token; a refresh gives a new pair and the old token ends soon', async () => {
    const session = await login(server.url);
    expect(session).toMatchObject({ refresh_token: expect.any(String), refresh_expires_in: 30 * 24 * 3600 });
    const next = await refresh(session.refresh_token);
    expect(next.status).toBe(200);
    expect(next.body).toEqual({
      token: expect.any(String),
      expires_in: 3600,
      refresh_token: expect.any(String),
      refresh_expires_in: 30 * 24 * 3600,
    });
    expect(next.body.token).not.toBe(session.token);
    expect((await me(next.body.token)).status).toBe(200);
    // The replaced token serves requests under way for a minute at most.
    expect(await redis.ttl(keys.token(session.token))).toBeLessThanOrEqual(60);
    // Only a hash of the refresh token is kept.
    const stored = JSON.stringify(await redis.hgetall(keys.session(session.refresh_token.split('.')[0]!)));
    expect(stored).not.toContain(session.refresh_token.split('.')[1]);
  });

  it('a copied refresh token used after it was rotated ends the session, its tokens and its sockets', async () => {
    const session = await login(server.url);
    const first = (await refresh(session.refresh_token)).body;
    const second = (await refresh(first.refresh_token)).body;
    const socket = await connectWithToken(server, second.token);

    const stolen = await refresh(session.refresh_token);
    expect(stolen.status).toBe(401);
    expect(stolen.body.message).toMatch(/already been used/);
    expect((await socket.closed).code).toBe(4001);
    expect((await me(second.token)).status).toBe(401);
    expect((await refresh(second.refresh_token)).status).toBe(401);
  });

  it('the refresh token just replaced still works briefly (an answer lost on the way), once', async () => {
    const session = await login(server.url);
    const lost = await refresh(session.refresh_token);
    expect(lost.status).toBe(200);
    const retried = await refresh(session.refresh_token);
    expect(retried.status).toBe(200);
    expect((await me(retried.body.token)).status).toBe(200);
    // The pair whose answer was "lost" was never the client's: whoever presents it has a copy.
    expect((await refresh(lost.body.refresh_token)).status).toBe(401);
    expect((await me(retried.body.token)).status).toBe(401);
  });

  it('garbage and unknown refresh tokens are 401 and end nothing', async () => {
    const session = await login(server.url);
    const sessionId = session.refresh_token.split('.')[0]!;
    for (const token of ['nope', `${sessionId}.forged-secret`, 's_x.y']) {
      expect((await refresh(token)).status).toBe(401);
    }
    expect((await me(session.token)).status).toBe(200);
    expect((await refresh(session.refresh_token)).status).toBe(200);
  });
});

describe('logout and the sessions list', () => {
  it('lists the sessions with their devices; ending one closes its sockets; others stay', async () => {
    const email = `${uniq('devices-')}@example.com`;
    const phone = await codeLogin(email, CHROME_ANDROID);
    const laptop = await codeLogin(email, FIREFOX_LINUX);
    const phoneSocket = await connectWithToken(server, phone.token);

    const listed = await api(server.url, '/api/sessions', { token: laptop.token });
    expect(listed.status).toBe(200);
    const devices = listed.body.sessions.map((s: { device: string; current: boolean }) => [s.device, s.current]);
    expect(devices).toEqual(
      expect.arrayContaining([
        ['Chrome on Android', false],
        ['Firefox on Linux', true],
      ]),
    );

    const phoneId = listed.body.sessions.find((s: { current: boolean }) => !s.current).session_id;
    // Another user cannot end it, nor learn whether it exists.
    const stranger = await login(server.url);
    const refused = await api(server.url, `/api/sessions/${phoneId}`, { method: 'DELETE', token: stranger.token });
    expect(refused.status).toBe(404);
    expect((await me(phone.token)).status).toBe(200);

    const ended = await api(server.url, `/api/sessions/${phoneId}`, { method: 'DELETE', token: laptop.token });
    expect(ended.status).toBe(204);
    expect((await phoneSocket.closed).code).toBe(4001);
    expect((await me(phone.token)).status).toBe(401);
    expect((await refresh(phone.refresh_token)).status).toBe(401);
    expect((await me(laptop.token)).status).toBe(200);
  });

  it('POST /api/logout ends the caller’s session only; DELETE /api/sessions ends all the others', async () => {
    const email = `${uniq('logout-')}@example.com`;
    const [a, b, c] = [await codeLogin(email), await codeLogin(email), await codeLogin(email)];
    // As curl and most tools send it: a JSON content type and no body.
    expect((await api(server.url, '/api/logout', { method: 'POST', token: a.token, rawBody: '' })).status).toBe(204);
    expect((await me(a.token)).status).toBe(401);
    expect((await refresh(a.refresh_token)).status).toBe(401);
    expect((await me(b.token)).status).toBe(200);

    const others = await api(server.url, '/api/sessions', { method: 'DELETE', token: c.token });
    expect(others.body).toEqual({ ended: 1 });
    expect((await me(b.token)).status).toBe(401);
    expect((await me(c.token)).status).toBe(200);
  });

  it('past MAX_SESSIONS_PER_USER (3 here) a new login ends the least recently used', async () => {
    const email = `${uniq('many-')}@example.com`;
    const oldest = await codeLogin(email);
    const rest = [await codeLogin(email), await codeLogin(email), await codeLogin(email)];
    expect((await me(oldest.token)).status).toBe(401);
    for (const session of rest) expect((await me(session.token)).status).toBe(200);
    const listed = await api(server.url, '/api/sessions', { token: rest[2]!.token });
    expect(listed.body.sessions).toHaveLength(3);
  });
});

describe('a temporary account', () => {
  it('is tied to an e-mail and then logs in with it anywhere as the same account', async () => {
    const temp = await login(server.url, 'Temporária');
    expect((await me(temp.token)).body).toMatchObject({ temporary: true });
    const email = `${uniq('keep-')}@example.com`;
    const asked = await api(server.url, '/api/me/login/code', { token: temp.token, body: { email } });
    expect(asked.status).toBe(202);
    const tied = await api(server.url, '/api/me/login/verify', {
      token: temp.token,
      body: { email, code: asked.body.dev_code, challenge_id: asked.body.challenge_id },
    });
    expect(tied.status, JSON.stringify(tied.body)).toBe(200);
    expect(tied.body).toMatchObject({ user_id: temp.user_id, temporary: false, email });
    expect(await redis.zscore(keys.temporaryAccounts, temp.user_id)).toBeNull();

    const again = await codeLogin(email);
    expect(again.user_id).toBe(temp.user_id);
    expect((await me(again.token)).body).toMatchObject({ username: 'Temporária', email });
  });

  it('cannot take an address another account logs in with', async () => {
    const email = `${uniq('taken-')}@example.com`;
    const owner = await codeLogin(email);
    const temp = await login(server.url);
    const asked = await api(server.url, '/api/me/login/code', { token: temp.token, body: { email } });
    const tied = await api(server.url, '/api/me/login/verify', {
      token: temp.token,
      body: { email, code: asked.body.dev_code, challenge_id: asked.body.challenge_id },
    });
    expect(tied.status).toBe(403);
    expect(tied.body.error).toBe('forbidden');
    expect((await codeLogin(email)).user_id).toBe(owner.user_id);
  });

  it('goes, with what only it held, once no session of it is left; one with a session stays', async () => {
    const [gone, kept] = [await login(server.url, 'Gone'), await login(server.url, 'Kept')];
    const goneSocket = await connectWithToken(server, gone.token);
    const keptSocket = await connectWithToken(server, kept.token);
    const shared = await createPublicChat(keptSocket);
    await joinChat(goneSocket, shared);
    const alone = await createPublicChat(goneSocket);
    const dm = await goneSocket.request('create_dm', { peer_user_id: kept.user_id });
    // A group the gone account owned: it passes to the other member, and stays.
    const group = (await goneSocket.request('create_group', { title: 'theirs', member_ids: [kept.user_id] }))
      .chat_id as string;

    await goneSocket.close();
    expect((await api(server.url, '/api/logout', { method: 'POST', token: gone.token })).status).toBe(204);
    await waitFor(
      () => redis.exists(keys.user(gone.user_id)),
      (n) => n === 0,
      { what: 'the temporary account deleted', timeoutMs: 10_000 },
    );
    expect(await keptSocket.next('chat_member_removed', (f) => f.chat_id === shared)).toMatchObject({
      user_id: gone.user_id,
    });
    expect(await keptSocket.next('chat_member_role', (f) => f.chat_id === group)).toMatchObject({
      user_id: kept.user_id,
      role: 'owner',
    });
    expect(await redis.sismember(keys.members(shared), gone.user_id)).toBe(0);
    expect(await redis.exists(keys.chat(alone))).toBe(0);
    expect(await redis.sismember(keys.publicChats, alone)).toBe(0);
    expect(await redis.exists(keys.chat(dm.chat_id as string))).toBe(1); // the peer keeps the DM
    expect(await redis.smembers(keys.members(group))).toEqual([kept.user_id]);
    expect(await redis.hgetall(keys.roles(group))).toEqual({ [kept.user_id]: 'owner' });
    expect(await redis.exists(keys.userChats(gone.user_id))).toBe(0);
    expect(await redis.zscore(keys.temporaryAccounts, gone.user_id)).toBeNull();
    // The account that still has a session is untouched.
    expect(await redis.exists(keys.user(kept.user_id))).toBe(1);
    expect((await me(kept.token)).status).toBe(200);
  });
});

describe('abusing the session routes', () => {
  let strict: ServerProcess;
  // Started in a hook, not in the test: on a busy machine a start alone may take half the test's timeout.
  beforeAll(async () => {
    // Its own key prefix: the run's other servers log in from 127.0.0.1 too, and would share the count.
    strict = await startServer({ env: { LOGIN_RATE_LIMIT_PER_IP: '5', REDIS_KEY_PREFIX: uniq('strict-') } });
  });

  it('guessing refresh tokens is limited per IP like logins; refreshes that work do not count', async () => {
    const post = (refreshToken: string) =>
      api(strict.url, '/api/token/refresh', { body: { refresh_token: refreshToken } });
    let session = (await api(strict.url, '/api/login', { body: { username: 'Refresca' } })).body;
    for (let i = 0; i < 10; i++) {
      const next = await post(session.refresh_token);
      expect(next.status, `refresh ${i}`).toBe(200);
      session = next.body;
    }
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await post(`s_${uniq('forged')}.${uniq('secret')}`)).status);
    // Four guesses (the login counted one) refused as unknown, then the address is limited.
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429, 429, 429]);
  });

  it('huge or malformed input is refused with the contract’s errors and changes nothing', async () => {
    const session = await login(server.url);
    const huge = await refresh(`s_x.${'y'.repeat(10_000)}`);
    expect(huge).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    const tooBig = await refresh('z'.repeat(20_000));
    expect(tooBig.status).toBe(400);
    for (const id of ['..%2F..%2Fetc', 'a'.repeat(65), '__proto__.x']) {
      const ended = await api(server.url, `/api/sessions/${id}`, { method: 'DELETE', token: session.token });
      expect(ended.status, id).toBe(404);
    }
    const noCode = await api(server.url, '/api/me/login/verify', {
      token: session.token,
      body: { email: 'x@example.com', code: '12345' },
    });
    expect(noCode).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    const badAddress = await api(server.url, '/api/me/login/code', { token: session.token, body: { phone: '123' } });
    expect(badAddress).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    // The session is as it was.
    expect((await me(session.token)).body).toMatchObject({ user_id: session.user_id, temporary: true });
    expect((await refresh(session.refresh_token)).status).toBe(200);
  });
});

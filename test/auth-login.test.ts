import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, expectError, joinChat } from './helpers/chat-actions.js';
import { api, login, uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken } from './helpers/session.js';
import { nowSeconds, waitFor } from './helpers/wait.js';
import { TestClient } from './helpers/ws-client.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  // A short auth timeout, so the "never authenticates" case closes quickly.
  // Codes are sent again at every request (LOGIN_CODE_RESEND_S=0), so the per-address send limit is reached.
  server = await startServer({ env: { AUTH_TIMEOUT_MS: '1500', LOGIN_CODE_RESEND_S: '0' } });
  redis = redisClient();
});

const randomPhone = () => `+5511${randomInt(10_000_000, 99_999_999)}${randomInt(0, 9)}`;
const randomEmail = () => `${uniq('mail-')}@example.com`;
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function requestCode(address: { phone: string } | { email: string }): Promise<string> {
  return (await requestChallenge(address)).code;
}

/** Asks for a code: the code (this server answers it: LOGIN_CODES_IN_RESPONSE=1) and the request's challenge. */
async function requestChallenge(
  address: { phone: string } | { email: string },
): Promise<{ code: string; challenge_id: string }> {
  const reply = await api(server.url, '/api/login/code', { body: address });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  expect(reply.body).toMatchObject({ sent: true, expires_in: 300, challenge_id: expect.any(String) });
  expect(reply.body.dev_code).toMatch(/^[0-9]{6}$/);
  return { code: reply.body.dev_code as string, challenge_id: reply.body.challenge_id as string };
}

describe('GET /healthz', () => {
  it('answers 200 {status: ok} while Redis answers', async () => {
    const health = await api(server.url, '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    // Redis's memory comes along (a warning only past 90% of its maxmemory).
    expect(health.body.redis_memory).toMatchObject({
      used_bytes: expect.any(Number),
      maxmemory_bytes: expect.any(Number),
    });
  });
});

describe('POST /api/login', () => {
  it('makes a new temporary user with an opaque token stored for one hour', async () => {
    const username = uniq('ana-');
    const first = await login(server.url, username);
    expect(first.expires_in).toBe(3600);
    expect(first.token.length).toBeGreaterThanOrEqual(22); // ≥ 128 bits in any common encoding
    expect(await redis.get(keys.token(first.token))).toBe(first.user_id);
    const ttl = await redis.ttl(keys.token(first.token));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    expect(await redis.hget(keys.user(first.user_id), 'username')).toBe(username);
    expect(await redis.hexists(keys.user(first.user_id), 'created_at')).toBe(1);

    // The username is a display name: the same one again is another user.
    const second = await login(server.url, username);
    expect(second.user_id).not.toBe(first.user_id);
    expect(second.token).not.toBe(first.token);
  });

  it('stores the avatar and accepts a 32-character username', async () => {
    const username = 'x'.repeat(32);
    const answer = await login(server.url, username, 'https://example.com/a.png');
    const me = await api(server.url, '/api/me', { token: answer.token });
    expect(me).toEqual({
      status: 200,
      body: { user_id: answer.user_id, username, avatar_url: 'https://example.com/a.png', temporary: true, about: '' },
    });
  });

  it.each([
    ['no username', {}],
    ['an empty username', { username: '' }],
    ['a 33-character username', { username: 'x'.repeat(33) }],
    ['a non-string username', { username: 42 }],
    ['a non-http avatar', { username: 'ok', avatar_url: 'ftp://example.com/a.png' }],
    ['an avatar over 512 chars', { username: 'ok', avatar_url: `https://example.com/${'a'.repeat(500)}` }],
  ])('refuses %s with 400 invalid_payload', async (_name, body) => {
    const reply = await api(server.url, '/api/login', { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: 'invalid_payload', message: expect.any(String) });
  });

  it('refuses a body that is not JSON with 400', async () => {
    const reply = await api(server.url, '/api/login', { method: 'POST', rawBody: '{"username":' });
    expect(reply.status).toBe(400);
    expect(['bad_json', 'invalid_payload']).toContain(reply.body.error);
    expect(typeof reply.body.message).toBe('string');
  });
});

describe('login by code', () => {
  it.each([
    ['phone', () => ({ phone: randomPhone() })],
    ['e-mail', () => ({ email: randomEmail() })],
  ])(
    'by %s: a wrong code is refused, the right one logs in, the same address is always the same user',
    async (_kind, make) => {
      const address = make();
      const code = await requestCode(address);

      const wrong = await api(server.url, '/api/login/verify', { body: { ...address, code: wrongCode(code) } });
      expect(wrong.status).toBeGreaterThanOrEqual(400);
      expect(wrong.status).toBeLessThan(500);
      expect(wrong.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });

      const first = await api(server.url, '/api/login/verify', { body: { ...address, code, username: 'coded' } });
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toMatchObject({ token: expect.any(String), user_id: expect.any(String), expires_in: 3600 });
      expect(await redis.get(keys.token(first.body.token))).toBe(first.body.user_id);
      expect((await api(server.url, '/api/me', { token: first.body.token })).body.username).toBe('coded');

      // A code is single-use.
      const reused = await api(server.url, '/api/login/verify', { body: { ...address, code } });
      expect(reused.status).not.toBe(200);

      const again = await api(server.url, '/api/login/verify', {
        body: { ...address, code: await requestCode(address) },
      });
      expect(again.status).toBe(200);
      expect(again.body.user_id).toBe(first.body.user_id);
      expect(again.body.token).not.toBe(first.body.token);
    },
  );

  it('a phone and an e-mail are different users', async () => {
    const phone = { phone: randomPhone() };
    const email = { email: randomEmail() };
    const byPhone = await api(server.url, '/api/login/verify', { body: { ...phone, code: await requestCode(phone) } });
    const byEmail = await api(server.url, '/api/login/verify', { body: { ...email, code: await requestCode(email) } });
    expect(byPhone.status).toBe(200);
    expect(byEmail.status).toBe(200);
    expect(byPhone.body.user_id).not.toBe(byEmail.body.user_id);
  });

  it('after 5 wrong tries the challenge refuses even the right code; a new request (challenge) takes it', async () => {
    const address = { phone: randomPhone() };
    const first = await requestChallenge(address);
    for (let i = 0; i < 5; i++) {
      const wrong = await api(server.url, '/api/login/verify', {
        body: { ...address, code: wrongCode(first.code), challenge_id: first.challenge_id },
      });
      expect(wrong.status).toBe(401);
    }
    const refused = await api(server.url, '/api/login/verify', { body: { ...address, ...first } });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'unauthenticated', message: expect.stringMatching(/no tries left/) });

    // The code itself is still pending: asking again sends the same one, with a challenge of its own.
    const second = await requestChallenge(address);
    expect(second.code).toBe(first.code);
    const fresh = await api(server.url, '/api/login/verify', { body: { ...address, ...second } });
    expect(fresh.status).toBe(200);
  });

  it.each([
    ['/api/login/code', {}],
    ['/api/login/code', { phone: '5511912345678' }],
    ['/api/login/code', { email: 'not-an-address' }],
    ['/api/login/verify', { phone: '+5511912345678' }],
    ['/api/login/verify', { phone: '+5511912345678', code: 'abcdef' }],
    ['/api/login/verify', { email: 'a@example.com', code: '12345' }],
  ])('%s refuses %j with 400 invalid_payload', async (path, body) => {
    const reply = await api(server.url, path, { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: 'invalid_payload', message: expect.any(String) });
  });

  it('rate-limits code requests per address with 429', async () => {
    const address = { email: randomEmail() };
    const statuses: number[] = [];
    let limited: { status: number; body: Record<string, unknown> } | undefined;
    for (let i = 0; i < 20 && !limited; i++) {
      const reply = await api(server.url, '/api/login/code', { body: address });
      statuses.push(reply.status);
      if (reply.status === 429) limited = reply;
    }
    expect(limited, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(limited?.body).toMatchObject({ error: 'rate_limited', message: expect.any(String) });
    expect(statuses.slice(0, -1).every((s) => s === 202)).toBe(true);
  });
});

describe('Bearer on HTTP routes', () => {
  it('GET /api/me answers the caller’s profile', async () => {
    const answer = await login(server.url, 'bea');
    expect(await api(server.url, '/api/me', { token: answer.token })).toEqual({
      status: 200,
      body: { user_id: answer.user_id, username: 'bea', avatar_url: '', temporary: true, about: '' },
    });
  });

  it.each(['/api/me', '/api/chats', '/api/chats/public', '/api/users/online'])(
    '%s is 401 without a token, with an unknown one and with an expired one',
    async (path) => {
      const none = await api(server.url, path);
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ error: 'unauthenticated', message: expect.any(String) });

      const unknown = await api(server.url, path, { token: 'no-such-token' });
      expect(unknown.status).toBe(401);
      expect(['unauthenticated', 'invalid_token']).toContain(unknown.body.error);

      const notBearer = await api(server.url, path, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
      expect(notBearer.status).toBe(401);

      const expiring = await login(server.url);
      await redis.pexpire(keys.token(expiring.token), 1);
      await waitFor(
        () => redis.exists(keys.token(expiring.token)),
        (n) => n === 0,
        { what: 'the token to expire' },
      );
      const expired = await api(server.url, path, { token: expiring.token });
      expect(expired.status).toBe(401);
    },
  );
});

describe('WebSocket auth', () => {
  it('an auth frame gets auth_ok and makes the user online', async () => {
    const answer = await login(server.url);
    const client = await TestClient.connect(server.wsUrl);
    const before = nowSeconds();
    client.send('auth', { token: answer.token }, 'auth-1');
    const ok = await client.next('auth_ok');
    expect(ok).toMatchObject({ type: 'auth_ok', user_id: answer.user_id, chats: [], token: expect.any(String) });
    expect(ok.request_id).toBe('auth-1');
    expect(await redis.sismember(keys.onlineUsers, answer.user_id)).toBe(1);
    expect(Number(await redis.get(keys.lastSeen(answer.user_id)))).toBeGreaterThanOrEqual(before - 1);
  });

  it('username and avatar_url in auth update the profile', async () => {
    const answer = await login(server.url, 'before');
    const client = await TestClient.connect(server.wsUrl);
    client.send('auth', { token: answer.token, username: 'after', avatar_url: 'http://example.com/me.jpg' });
    await client.next('auth_ok');
    const me = await api(server.url, '/api/me', { token: answer.token });
    expect(me.body).toEqual({
      user_id: answer.user_id,
      username: 'after',
      avatar_url: 'http://example.com/me.jpg',
      temporary: true,
      about: '',
    });
  });

  it('a token in ?token= authenticates at once', async () => {
    const answer = await login(server.url);
    const client = await TestClient.connect(server.wsUrl, { token: answer.token });
    expect(await client.next('auth_ok')).toMatchObject({ user_id: answer.user_id });
  });

  it('a token in Authorization: Bearer on the upgrade authenticates at once', async () => {
    const answer = await login(server.url);
    const client = await TestClient.connect(server.wsUrl, { headers: { authorization: `Bearer ${answer.token}` } });
    expect(await client.next('auth_ok')).toMatchObject({ user_id: answer.user_id });
  });

  it('an unknown token gets invalid_token, then the server closes with 4001', async () => {
    const client = await TestClient.connect(server.wsUrl);
    client.send('auth', { token: 'definitely-not-a-token' }, 'bad-auth');
    expect(await client.next('error')).toMatchObject({ error: 'invalid_token', request_id: 'bad-auth' });
    expect((await client.closed).code).toBe(4001);
  });

  it('an unknown token in ?token= is refused (401 upgrade, or invalid_token and 4001)', async () => {
    try {
      const client = await TestClient.connect(server.wsUrl, { token: 'definitely-not-a-token' });
      expect(await client.next('error')).toMatchObject({ error: 'invalid_token' });
      expect((await client.closed).code).toBe(4001);
      expect(client.all('auth_ok')).toEqual([]);
    } catch (err) {
      expect((err as { status?: number }).status).toBe(401);
    }
  });

  it('an expired token gets invalid_token, then 4001', async () => {
    const answer = await login(server.url);
    await redis.pexpire(keys.token(answer.token), 1);
    await waitFor(
      () => redis.exists(keys.token(answer.token)),
      (n) => n === 0,
      { what: 'the token to expire' },
    );
    const client = await TestClient.connect(server.wsUrl);
    client.send('auth', { token: answer.token });
    expect(await client.next('error')).toMatchObject({ error: 'invalid_token' });
    expect((await client.closed).code).toBe(4001);
  });

  it('any action before auth is unauthenticated and the socket stays open', async () => {
    const answer = await login(server.url);
    const client = await TestClient.connect(server.wsUrl);
    await expectError(client, 'create_public_chat', { title: 'early' }, 'unauthenticated');
    await expectError(client, 'send_message', { chat_id: 'c_x', body: 'hi' }, 'unauthenticated');
    await expectError(client, 'sync', { chat_id: 'c_x', after_id: 0 }, 'unauthenticated');
    expect(client.isOpen).toBe(true);
    client.send('auth', { token: answer.token });
    await client.next('auth_ok');
    await createPublicChat(client);
  });

  it('a connection that never authenticates is closed with 4001 (AUTH_TIMEOUT_MS)', async () => {
    const client = await TestClient.connect(server.wsUrl);
    const started = Date.now();
    const info = await Promise.race([
      client.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still open after 6 s')), 6000)),
    ]);
    expect(info.code).toBe(4001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('a connection that authenticated, by frame or by token, outlives AUTH_TIMEOUT_MS', async () => {
    const byToken = await connectAuthed(server);
    const answer = await login(server.url);
    const byFrame = await TestClient.connect(server.wsUrl);
    byFrame.send('auth', { token: answer.token });
    await byFrame.next('auth_ok');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(byToken.client.isOpen).toBe(true);
    expect(byFrame.isOpen).toBe(true);
    await createPublicChat(byFrame);
  });

  it('auth_ok.chats lists every chat the user is a member of', async () => {
    const ana = await connectAuthed(server);
    const bia = await connectAuthed(server);
    const own = await createPublicChat(ana.client);
    const dm = (await createDm(ana.client, bia.userId)).chat_id;
    const joined = await createPublicChat(bia.client);
    await joinChat(ana.client, joined);

    const again = await TestClient.connect(server.wsUrl);
    again.send('auth', { token: ana.token });
    expect((await again.next('auth_ok')).chats.sort()).toEqual([own, dm, joined].sort());
    const biaAgain = await connectWithToken(server, bia.token);
    expect(biaAgain.all('auth_ok')[0]?.chats.sort()).toEqual([dm, joined].sort());
  });

  it('auth does not extend the token (the session is refreshed for a new one); auth_ok echoes it', async () => {
    const answer = await login(server.url);
    await redis.expire(keys.token(answer.token), 100);
    const client = await TestClient.connect(server.wsUrl);
    client.send('auth', { token: answer.token });
    expect(await client.next('auth_ok')).toMatchObject({ user_id: answer.user_id, token: answer.token });
    expect(await redis.ttl(keys.token(answer.token))).toBeLessThanOrEqual(100);
    expect((await api(server.url, '/api/me', { token: answer.token })).status).toBe(200);
    expect(await redis.ttl(keys.token(answer.token))).toBeLessThanOrEqual(100);
  });
});

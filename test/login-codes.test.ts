import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';

/**
 * Login codes as an attacker would try them (issue 16, findings 1 and 2): asking for someone else's code,
 * spoiling the code they already have, guessing. Two servers: one as `npm start` runs it (codes only in the
 * server's log), and one that answers codes (LOGIN_CODES_IN_RESPONSE=1) so the test can play the victim, who
 * reads their code where it was delivered.
 */
let plain: ServerProcess;
let dev: ServerProcess;
let redis: Redis;
const FAILURES_PER_DAY = 8;

beforeAll(async () => {
  [plain, dev] = await Promise.all([
    startServer({ env: { LOGIN_CODES_IN_RESPONSE: '', NODE_ENV: '' } }),
    startServer({ env: { LOGIN_CODE_FAILURES_PER_DAY: String(FAILURES_PER_DAY) } }),
  ]);
  redis = redisClient();
});

const randomPhone = () => `+5521${randomInt(10_000_000, 99_999_999)}${randomInt(0, 9)}`;
const randomEmail = () => `${uniq('victim-')}@example.com`;
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

type Challenge = { code: string; challenge_id: string };

async function ask(server: ServerProcess, address: object): Promise<Challenge> {
  const reply = await api(server.url, '/api/login/code', { body: address });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return { code: reply.body.dev_code, challenge_id: reply.body.challenge_id };
}

const verify = (server: ServerProcess, body: object) => api(server.url, '/api/login/verify', { body });

describe('a server started as the README says (no LOGIN_CODES_IN_RESPONSE)', () => {
  it('does not hand the code to whoever asks: the answer has none, and guessing gets nowhere', async () => {
    const email = randomEmail();
    const reply = await api(plain.url, '/api/login/code', { body: { email } });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ sent: true, challenge_id: expect.any(String), expires_in: 300 });
    // The code went where codes go by default: the server's log, for the operator.
    const logged = await plain.waitForLog((line) => line.msg?.startsWith('login code') === true && line.to === email);
    expect(logged.code).toMatch(/^\d{6}$/);
    const attempt = await verify(plain, {
      email,
      code: wrong(String(logged.code)),
      challenge_id: reply.body.challenge_id,
    });
    expect(attempt.status).toBe(401);
    expect(attempt.body.token).toBeUndefined();
  });

  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['a webhook set', { LOGIN_CODE_WEBHOOK_URL: 'http://127.0.0.1:9/codes' }],
  ])('refuses to start with LOGIN_CODES_IN_RESPONSE=1 and %s', async (_name, env) => {
    await expect(
      startServer({ env: { LOGIN_CODES_IN_RESPONSE: '1', ...env }, readyTimeoutMs: 10_000 }),
    ).rejects.toThrow(/LOGIN_CODES_IN_RESPONSE=1 is refused/);
  });
});

describe('requests by others cannot spoil a code', () => {
  it('an attacker asking again and guessing leaves the victim’s code and challenge working', async () => {
    const phone = randomPhone();
    const victim = await ask(dev, { phone });
    // The attacker asks for codes for the victim's phone, and guesses with and without challenges of their own.
    for (let i = 0; i < 4; i++) {
      const theirs = await ask(dev, { phone });
      expect(theirs.code).toBe(victim.code); // re-sent, never replaced
      const guess = await verify(dev, { phone, code: wrong(victim.code), challenge_id: theirs.challenge_id });
      expect(guess.status).toBe(401);
    }
    for (let i = 0; i < 3; i++) expect((await verify(dev, { phone, code: wrong(victim.code) })).status).toBe(401);
    const login = await verify(dev, { phone, ...victim });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.token).toEqual(expect.any(String));
  });

  it('the answer is the same whether a code was pending or not', async () => {
    const email = randomEmail();
    const first = await api(plain.url, '/api/login/code', { body: { email } });
    const again = await api(plain.url, '/api/login/code', { body: { email } });
    const other = await api(plain.url, '/api/login/code', { body: { email: randomEmail() } });
    for (const reply of [first, again, other]) {
      expect(reply.status).toBe(202);
      expect(Object.keys(reply.body).sort()).toEqual(['challenge_id', 'expires_in', 'sent']);
      expect(reply.body.expires_in).toBe(300);
    }
    expect(again.body.challenge_id).not.toBe(first.body.challenge_id);
  });

  it('a code asked for again moments later is not sent twice', async () => {
    const email = randomEmail();
    await api(plain.url, '/api/login/code', { body: { email } });
    await api(plain.url, '/api/login/code', { body: { email } });
    await plain.waitForLog((line) => line.msg?.startsWith('login code') === true && line.to === email);
    const sends = plain.logs().filter((line) => line.msg?.startsWith('login code') && line.to === email);
    expect(sends).toHaveLength(1);
  });
});

describe('guessing is capped per address per day (LOGIN_CODE_FAILURES_PER_DAY)', () => {
  it('past the cap the code is gone and the address takes no code until the day is over', async () => {
    const email = randomEmail();
    const first = await ask(dev, { email });
    let failures = 0;
    // Fresh challenges each time: per-challenge tries would never stop this alone.
    while (failures < FAILURES_PER_DAY) {
      const { challenge_id } = await ask(dev, { email });
      for (let i = 0; i < 2 && failures < FAILURES_PER_DAY; i++, failures++) {
        expect((await verify(dev, { email, code: wrong(first.code), challenge_id })).status).toBe(401);
      }
    }
    const right = await verify(dev, { email, ...first });
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ error: 'rate_limited', retry_after: expect.any(Number) });
    expect(right.body.retry_after).toBeGreaterThan(3600);
    expect(await redis.exists(keys.loginCode(email))).toBe(0);
    const again = await api(dev.url, '/api/login/code', { body: { email } });
    expect(again.status).toBe(429);
  });
});

describe('display names', () => {
  it('a code login without a name gets a neutral one, nothing of its phone or e-mail', async () => {
    const email = `maria.silva.${randomInt(1000, 9999)}@example.com`;
    const phone = randomPhone();
    for (const address of [{ email }, { phone }]) {
      const login = await verify(dev, { ...address, ...(await ask(dev, address)) });
      expect(login.status).toBe(200);
      const me = await api(dev.url, '/api/me', { token: login.body.token });
      expect(me.body.username).toMatch(/^User [A-Z2-9]{4}$/);
      expect(me.body.username).not.toContain(phone.slice(-4));
      expect(me.body.username.toLowerCase()).not.toContain('maria');
    }
  });

  it('bidi overrides and control characters are stripped from names and chat titles', async () => {
    const reply = await api(dev.url, '/api/login', { body: { username: 'Ana\u202Egnp.exe\u0007' } });
    expect(reply.status).toBe(200);
    expect(await redis.hget(keys.user(reply.body.user_id), 'username')).toBe('Anagnp.exe');
    const invisible = await api(dev.url, '/api/login', { body: { username: '\u202E\u2066\u0001' } });
    expect(invisible.status).toBe(400);
    expect(invisible.body.error).toBe('invalid_payload');
  });
});

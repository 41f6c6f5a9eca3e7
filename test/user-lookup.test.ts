import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, uniq } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';

let server: ServerProcess;
/** A second server with a small lookup budget, for the limit. */
let strict: ServerProcess;

beforeAll(async () => {
  [server, strict] = await Promise.all([startServer(), startServer({ env: { USER_LOOKUPS_PER_HOUR: '5' } })]);
});
afterAll(() => Promise.all([server.stop(), strict.stop()]));

/** A code login (these servers answer codes: LOGIN_CODES_IN_RESPONSE=1). */
async function codeLogin(target: ServerProcess, address: { phone: string } | { email: string }, username: string) {
  const asked = await api(target.url, '/api/login/code', { body: address });
  const body = { ...address, code: asked.body.dev_code, challenge_id: asked.body.challenge_id, username };
  const reply = await api(target.url, '/api/login/verify', { body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as { token: string; user_id: string };
}

const lookup = (target: ServerProcess, token: string | undefined, query: string) =>
  api(target.url, `/api/users/lookup?${query}`, token === undefined ? {} : { token });

/** Contract section 9: finding someone by the exact phone or e-mail they log in with; never a directory. */
describe('GET /api/users/lookup', () => {
  it('finds a user by their exact e-mail (any case) or phone, with profile and presence', async () => {
    const email = `${uniq('carla')}@example.com`;
    const phone = `+55119${String(Date.now()).slice(-8)}`;
    const carla = await codeLogin(server, { email }, 'Carla');
    const dani = await codeLogin(server, { phone }, 'Dani');
    const ana = await login(server.url, 'Ana');

    const byEmail = await lookup(server, ana.token, `email=${encodeURIComponent(email.toUpperCase())}`);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toEqual({
      user_id: carla.user_id,
      username: 'Carla',
      avatar_url: null,
      about: null,
      online: false,
      last_seen: null,
    });
    const byPhone = await lookup(server, ana.token, `phone=${encodeURIComponent(phone)}`);
    expect(byPhone.body).toMatchObject({ user_id: dani.user_id, username: 'Dani' });
    // The plus written as is (a space once form-decoded) is still a plus.
    expect((await lookup(server, ana.token, `phone=${phone}`)).body).toMatchObject({ user_id: dani.user_id });
  });

  it('no partial match, no listing, no stranger by a guess: 404; bad queries 400; no token 401', async () => {
    const email = `${uniq('bia')}@example.com`;
    await codeLogin(server, { email }, 'Bia');
    const ana = await login(server.url, 'Ana');
    for (const query of [
      `email=${encodeURIComponent(email.slice(1))}`,
      `email=${encodeURIComponent(email.replace('.com', '.co'))}`,
      'email=nobody%40example.com',
      'phone=%2B5511900000000',
    ]) {
      const reply = await lookup(server, ana.token, query);
      expect(reply.status, query).toBe(404);
      expect(reply.body, query).toMatchObject({ error: 'not_found' });
    }
    for (const query of [
      '',
      'email=*',
      'email=%25',
      'phone=11912345678',
      'username=Bia',
      'email=a%40b.c&phone=%2B5511912345678',
    ]) {
      const reply = await lookup(server, ana.token, query);
      expect(reply.status, query).toBe(400);
      expect(reply.body, query).toMatchObject({ error: 'invalid_payload' });
    }
    expect((await lookup(server, undefined, `email=${encodeURIComponent(email)}`)).status).toBe(401);
    expect((await lookup(server, 's_forged.token', `email=${encodeURIComponent(email)}`)).status).toBe(401);
  });

  it('each lookup counts, found or not: past USER_LOOKUPS_PER_HOUR it is 429 with a retry time', async () => {
    const email = `${uniq('eva')}@example.com`;
    await codeLogin(strict, { email }, 'Eva');
    const guesser = await login(strict.url, 'Guesser');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await lookup(strict, guesser.token, `email=guess${i}%40example.com`)).status);
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    const refused = await lookup(strict, guesser.token, `email=${encodeURIComponent(email)}`);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited' });
    expect(refused.body.retry_after).toBeGreaterThan(0);
    // Per user: someone else still may.
    const other = await login(strict.url, 'Other');
    expect((await lookup(strict, other.token, `email=${encodeURIComponent(email)}`)).status).toBe(200);
  });
});

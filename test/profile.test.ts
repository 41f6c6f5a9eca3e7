import { LIMITS } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDm } from './helpers/chat-actions.js';
import { api, login } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed } from './helpers/session.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer();
  redis = redisClient();
});
afterAll(() => redis.quit());

const patchMe = (token: string | undefined, body: unknown) =>
  api(server.url, '/api/me', { method: 'PATCH', ...(token === undefined ? {} : { token }), body });

/** Contract section 12's `PATCH /api/me { username?, about? }` (the picture comes with media). */
describe('PATCH /api/me: one’s own name and “about” line', () => {
  it('changes both; GET /api/me and a contact’s list show them; an empty about removes it', async () => {
    const ana = await connectAuthed(server);
    const bruno = await connectAuthed(server);
    await createDm(bruno.client, ana.userId);

    const changed = await patchMe(ana.token, { username: '  Ana Clara  ', about: 'Disponível 🌻' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ user_id: ana.userId, username: 'Ana Clara', about: 'Disponível 🌻' });
    expect((await api(server.url, '/api/me', { token: ana.token })).body).toMatchObject({
      username: 'Ana Clara',
      about: 'Disponível 🌻',
    });
    const contacts = await api(server.url, '/api/contacts', { token: bruno.token });
    expect(contacts.body.users).toEqual([
      expect.objectContaining({ user_id: ana.userId, username: 'Ana Clara', about: 'Disponível 🌻' }),
    ]);

    // One field at a time leaves the other as it was; '' removes the about line.
    expect((await patchMe(ana.token, { about: '' })).body).toMatchObject({ username: 'Ana Clara', about: '' });
    expect(await redis.hexists(keys.user(ana.userId), 'about')).toBe(0);
    expect((await patchMe(ana.token, { username: 'Ana' })).body).toMatchObject({ username: 'Ana', about: '' });
  });

  it('refuses what it must (an invisible name too), and writes nothing then', async () => {
    const ana = await login(server.url, 'Ana Before');
    const before = await redis.hgetall(keys.user(ana.user_id));
    const refusals: Array<[string, unknown, number]> = [
      ['no field', {}, 400],
      ['an unknown field', { username: 'X', is_admin: true }, 400],
      ['a name of spaces and control characters', { username: ' \u0000\u202e ' }, 400],
      ['a name of zero-width spaces and fillers', { username: '\u200b\u3164\u2800\u200d' }, 400],
      ['an empty name', { username: '' }, 400],
      ['a name past the limit', { username: 'n'.repeat(LIMITS.usernameMaxLength + 1) }, 400],
      ['an about past the limit', { about: 'a'.repeat(LIMITS.aboutMaxLength + 1) }, 400],
      ['a number for a name', { username: 42 }, 400],
      ['an array body', ['username', 'X'], 400],
      ['null', null, 400],
    ];
    for (const [what, body, status] of refusals) {
      const reply = await patchMe(ana.token, body);
      expect(reply.status, what).toBe(status);
      expect(reply.body, what).toMatchObject({ error: 'invalid_payload' });
    }
    const huge = await api(server.url, '/api/me', {
      method: 'PATCH',
      token: ana.token,
      rawBody: JSON.stringify({ about: 'x'.repeat(2_000_000) }),
    });
    // Past the server's 16 KiB body cap: refused as every route refuses it, before any parsing.
    expect(huge.status).toBe(400);
    expect(huge.body).toMatchObject({ error: 'invalid_payload' });
    expect(await redis.hgetall(keys.user(ana.user_id))).toEqual(before);

    // The same rule at login and for chat titles (one cleaning for every name).
    const invisible = await api(server.url, '/api/login', { body: { username: '\u3164\u200b' } });
    expect(invisible.status).toBe(400);
    // An about line of nothing visible is no about line.
    expect((await patchMe(ana.token, { about: '\u200b \u2800' })).body).toMatchObject({ about: '' });
    // Control characters are dropped from the about line, not stored.
    expect((await patchMe(ana.token, { about: 'oi\u0000\u202e tudo bem' })).body).toMatchObject({
      about: 'oi tudo bem',
    });
  });

  it('needs a live token, and does not bring back an account that is gone', async () => {
    expect((await patchMe(undefined, { username: 'Nobody' })).status).toBe(401);
    expect((await patchMe('s_bad.token', { username: 'Nobody' })).status).toBe(401);
    const ana = await login(server.url, 'Ana Gone');
    await redis.del(keys.user(ana.user_id));
    expect((await patchMe(ana.token, { username: 'Back?' })).status).toBe(401);
    expect(await redis.exists(keys.user(ana.user_id))).toBe(0);
  });
});

describe('the profile and contacts routes are limited per user', () => {
  let strict: ServerProcess;
  beforeAll(async () => {
    strict = await startServer({
      env: {
        REDIS_KEY_PREFIX: `profile-strict-${Date.now()}:`,
        PROFILE_CHANGES_PER_HOUR: '3',
        READ_PAGES_PER_WINDOW: '25',
      },
    });
  });

  it('PATCH /api/me past PROFILE_CHANGES_PER_HOUR is 429 and changes nothing', async () => {
    const ana = await login(strict.url, 'Ana');
    for (let i = 0; i < 3; i++) {
      const ok = await api(strict.url, '/api/me', { method: 'PATCH', token: ana.token, body: { about: `take ${i}` } });
      expect(ok.status).toBe(200);
    }
    const refused = await api(strict.url, '/api/me', {
      method: 'PATCH',
      token: ana.token,
      body: { about: 'one more' },
    });
    expect(refused).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(refused.body.retry_after).toBeGreaterThan(0);
    expect((await api(strict.url, '/api/me', { token: ana.token })).body.about).toBe('take 2');
  });

  it('a contacts page costs ten reads of the read budget (READ_PAGES_PER_WINDOW)', async () => {
    const bia = await login(strict.url, 'Bia');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(strict.url, '/api/contacts', { token: bia.token })).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});

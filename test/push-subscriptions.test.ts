import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, login } from './helpers/http.js';
import { redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';

// Contract section 13, its first part: the VAPID key and each device's push subscription, with the endpoint
// checked so a subscription is no door into the server's network (SSRF).

let server: ServerProcess;
const subsKey = (userId: string) => `push:subs:{${userId}}`;

beforeAll(async () => {
  server = await startServer();
});

/** A subscription as a browser's PushSubscription.toJSON() gives it. */
function subscription(endpoint: string) {
  return {
    endpoint,
    keys: { p256dh: randomBytes(65).toString('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

describe('GET /api/push/key', () => {
  it('answers one VAPID public key, made once and kept: the same from another instance', async () => {
    const first = await api(server.url, '/api/push/key');
    expect(first.status).toBe(200);
    // An uncompressed P-256 point, base64url: 87 characters.
    expect(first.body.public_key).toMatch(/^[A-Za-z0-9_-]{87}$/);
    const other = await startServer();
    expect((await api(other.url, '/api/push/key')).body.public_key).toBe(first.body.public_key);
  });

  it('takes VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY when set', async () => {
    const given = await startServer({
      env: {
        REDIS_KEY_PREFIX: 'vapid-given:',
        VAPID_PUBLIC_KEY: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
        VAPID_PRIVATE_KEY: 'tUxbf-Mf3OJ3aJr6LJ2qh0ok_QRWPVEa0-vnaVUn3Ac',
      },
    });
    expect((await api(given.url, '/api/push/key')).body.public_key).toBe(
      'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
    );
  });
});

describe('push subscriptions', () => {
  it('keeps one per device, replaces its keys, forgets it on DELETE; 401 without a token', async () => {
    const redis = redisClient();
    const me = await login(server.url);
    const endpoint = 'https://fcm.googleapis.com/fcm/send/abc123';
    const first = subscription(endpoint);
    expect((await api(server.url, '/api/push/subscriptions', { token: me.token, body: first })).status).toBe(204);
    const again = subscription(endpoint);
    expect((await api(server.url, '/api/push/subscriptions', { token: me.token, body: again })).status).toBe(204);
    const kept = await redis.hgetall(subsKey(me.user_id));
    expect(Object.keys(kept)).toEqual([endpoint]);
    expect(JSON.parse(kept[endpoint]!).keys).toEqual(again.keys);
    const gone = await api(server.url, '/api/push/subscriptions', {
      method: 'DELETE',
      token: me.token,
      body: { endpoint },
    });
    expect(gone.status).toBe(204);
    expect(await redis.exists(subsKey(me.user_id))).toBe(0);
    expect((await api(server.url, '/api/push/subscriptions', { body: first })).status).toBe(401);
  });

  it('refuses endpoints that would reach the server’s own network, and malformed keys', async () => {
    const me = await login(server.url);
    for (const endpoint of [
      'http://push.example.com/x',
      'https://127.0.0.1/x',
      'https://localhost/x',
      'https://10.0.0.5/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://100.64.0.1/x',
      'https://intranet/x',
      'https://user:pass@push.example.com/x',
      'file:///etc/passwd',
      'not a url',
    ]) {
      const reply = await api(server.url, '/api/push/subscriptions', { token: me.token, body: subscription(endpoint) });
      expect(reply.status, endpoint).toBe(400);
      expect(reply.body.error, endpoint).toBe('invalid_payload');
    }
    const bad = subscription('https://push.example.com/x');
    for (const keys of [
      { ...bad.keys, p256dh: 'short' },
      { ...bad.keys, auth: 'a+b/c=' },
      { p256dh: bad.keys.p256dh },
    ]) {
      const reply = await api(server.url, '/api/push/subscriptions', { token: me.token, body: { ...bad, keys } });
      expect(reply.status).toBe(400);
    }
    const long = `https://push.example.com/${'x'.repeat(2100)}`;
    expect(
      (await api(server.url, '/api/push/subscriptions', { token: me.token, body: subscription(long) })).status,
    ).toBe(400);
  });

  it('PUSH_ALLOW_INSECURE_ENDPOINTS=1 (development and tests) lets http and loopback in; production refuses it', async () => {
    const insecure = await startServer({ env: { PUSH_ALLOW_INSECURE_ENDPOINTS: '1' } });
    const me = await login(insecure.url);
    const reply = await api(insecure.url, '/api/push/subscriptions', {
      token: me.token,
      body: subscription('http://127.0.0.1:9999/push/1'),
    });
    expect(reply.status).toBe(204);
    await expect(
      startServer({ env: { PUSH_ALLOW_INSECURE_ENDPOINTS: '1', NODE_ENV: 'production' }, readyTimeoutMs: 10_000 }),
    ).rejects.toThrow(/PUSH_ALLOW_INSECURE_ENDPOINTS=1 is refused/);
  });

  it('a user keeps 20 devices at most: a 21st replaces the least recently subscribed', async () => {
    const redis = redisClient();
    const me = await login(server.url);
    for (let i = 0; i < 21; i++) {
      const reply = await api(server.url, '/api/push/subscriptions', {
        token: me.token,
        body: subscription(`https://push.example.com/device/${i}`),
      });
      expect(reply.status).toBe(204);
      // Subscriptions made in the same second are told apart by their order of arrival only: wait for the first.
      if (i === 0) await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const kept = Object.keys(await redis.hgetall(subsKey(me.user_id)));
    expect(kept).toHaveLength(20);
    expect(kept).not.toContain('https://push.example.com/device/0');
    expect(kept).toContain('https://push.example.com/device/20');
  });

  it('60 subscribes per user and hour (each enrols the user in every chat of theirs): past it 429, nothing kept', async () => {
    const redis = redisClient();
    const me = await login(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      const reply = await api(server.url, '/api/push/subscriptions', {
        token: me.token,
        body: subscription(`https://push.example.com/again/${i % 3}`),
      });
      statuses.push(reply.status);
      if (reply.status === 429) expect(reply.body.error).toBe('rate_limited');
    }
    expect(statuses.slice(0, 60).every((s) => s === 204)).toBe(true);
    expect(statuses[60]).toBe(429);
    const refused = await api(server.url, '/api/push/subscriptions', {
      token: me.token,
      body: subscription('https://push.example.com/one-more'),
    });
    expect(refused.status).toBe(429);
    expect(Object.keys(await redis.hgetall(subsKey(me.user_id)))).not.toContain('https://push.example.com/one-more');
  });
});

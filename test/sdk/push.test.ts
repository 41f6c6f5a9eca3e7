import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisClient } from '../helpers/redis.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { sdkClient } from './sdk-helpers.js';

// The SDK's Web Push calls (contract section 13), against the real server: what the web client's service worker
// registration sends.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ env: { PUSH_ALLOW_INSECURE_ENDPOINTS: '1' } });
});

describe('the SDK’s push calls', () => {
  it('reads the VAPID key, keeps a subscription, forgets it', async () => {
    const redis = redisClient();
    const ana = sdkClient(server.url);
    // The key needs no login: a page can read it before asking the browser for a subscription.
    expect(await ana.pushKey()).toMatch(/^[A-Za-z0-9_-]{87}$/);
    await ana.loginTemporary('Ana');
    const subscription = {
      endpoint: 'http://127.0.0.1:9/push/ana',
      keys: { p256dh: randomBytes(65).toString('base64url'), auth: randomBytes(16).toString('base64url') },
    };
    await ana.subscribePush(subscription);
    const kept = await redis.hgetall(`push:subs:{${ana.userId}}`);
    expect(JSON.parse(kept[subscription.endpoint]!)).toMatchObject(subscription);
    await ana.unsubscribePush(subscription.endpoint);
    expect(await redis.exists(`push:subs:{${ana.userId}}`)).toBe(0);
  });

  it('says what the server refused', async () => {
    const ana = sdkClient(server.url);
    await ana.loginTemporary('Ana');
    await expect(ana.subscribePush({ endpoint: 'not a url', keys: { p256dh: 'x', auth: 'y' } })).rejects.toMatchObject({
      code: 'invalid_payload',
    });
  });
});

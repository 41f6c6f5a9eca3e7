/// <reference lib="dom" />
import type { PapoClient } from '@papo/client';
import type { Redis } from 'ioredis';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PushDevice, startPushReceiver } from '../helpers/push-receiver.js';
import { redisClient } from '../helpers/redis.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { nextEvent, onlineClient } from '../sdk/sdk-helpers.js';
import { loginQuick, persistentApp, startWebServer, type User, uniqueName } from './browser.js';

/**
 * The web client's own way to Web Push (contract section 13): "Turn on" in Settings subscribes with the server's
 * VAPID key and sends the subscription; a closed tab then gets the message as a push; the next start sends the
 * subscription again; logout deletes it on the server and in the browser.
 *
 * This Chromium cannot reach a browser push service (`pushManager.subscribe` never answers here), so the page's
 * PushManager is given the push service of the tests' own (helpers/push-receiver.ts) in its place: subscribe
 * returns a subscription whose endpoint is that receiver and whose keys are a device's, kept in localStorage
 * across reloads as the browser keeps its own. The server's pushes to it are checked (VAPID) and decrypted for
 * real. What this leaves untested is the browser's own push service and `pushsubscriptionchange`.
 */

const WAIT = { timeout: 10_000 };
/** Where the stand-in keeps its subscription (the VAPID key it was made with, base64url). */
const FAKE_KEY = 'test:push-subscription';

let server: ServerProcess;
let redis: Redis;
let receiver: Awaited<ReturnType<typeof startPushReceiver>>;
let device: PushDevice;
let context: BrowserContext;
let ana: User;
let bruno: PapoClient;
const brunoName = uniqueName('Bruno');

/** In the page, before its own scripts: PushManager answered by the tests' push receiver (see above). */
function pushServiceOfTheTests(subscription: PushDevice['subscription']) {
  const key = 'test:push-subscription';
  const made = (options: PushSubscriptionOptionsInit) => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options,
    getKey: () => null,
    toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
    unsubscribe: async () => {
      localStorage.removeItem(key);
      return true;
    },
  });
  PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
    const given = options?.applicationServerKey;
    const bytes =
      typeof given === 'string' || !given
        ? new Uint8Array()
        : new Uint8Array(given instanceof ArrayBuffer ? given : given.buffer);
    const base64url = btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    localStorage.setItem(key, base64url);
    return made(options ?? {}) as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async () =>
    localStorage.getItem(key) === null ? null : (made({ userVisibleOnly: true }) as unknown as PushSubscription);
}

function subscriptionRequest(page: Page, method: 'POST' | 'DELETE') {
  return page.waitForRequest((r) => r.method() === method && new URL(r.url()).pathname === '/api/push/subscriptions');
}

beforeAll(async () => {
  server = await startWebServer({ env: { PUSH_ALLOW_INSECURE_ENDPOINTS: '1', PUSH_IDLE_S: '1' } });
  redis = redisClient();
  receiver = await startPushReceiver();
  device = receiver.device();
  const app = await persistentApp(server.url);
  context = app.context;
  await context.addInitScript(pushServiceOfTheTests, device.subscription);
  await context.grantPermissions(['notifications'], { origin: server.url });
  await app.page.goto('/');
  ana = { name: uniqueName('Ana'), page: app.page, context, errors: [], cspViolations: [], userId: '' };
  app.page.on('pageerror', (err) => ana.errors.push(err.message));
  await loginQuick(ana);
  bruno = await onlineClient(server.url, brunoName);
});

describe('push in the web client', () => {
  it('"Turn on" subscribes and tells the server; a closed tab gets the message; the next start resends; logout forgets', async () => {
    let page = ana.page;
    const dmId = (await bruno.createDm(ana.userId)).chat_id;
    const subsKey = `push:subs:{${ana.userId}}`;

    // Settings → Notifications → on: subscribed with the server's VAPID key, and the server keeps the device.
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const toggle = page.getByRole('switch', { name: 'Message notifications' });
    const posted = subscriptionRequest(page, 'POST');
    await toggle.click();
    await posted;
    await expect.poll(() => toggle.getAttribute('aria-checked'), WAIT).toBe('true');
    const { public_key } = (await (await fetch(`${server.url}/api/push/key`)).json()) as { public_key: string };
    expect(await page.evaluate((key) => localStorage.getItem(key), FAKE_KEY)).toBe(public_key);
    expect(await redis.hkeys(subsKey)).toEqual([device.subscription.endpoint]);

    // The tab closed: Ana has no connection, and Bruno's message reaches her device as a push.
    const offline = nextEvent(bruno, 'presence', (e) => e.user_id === ana.userId && e.status === 'offline');
    await page.close();
    await offline;
    bruno.send(dmId, 'Oi Ana, chegou?');
    await waitFor(
      () => receiver.payloads(device.id).length,
      (count) => count > 0,
      { timeoutMs: 15_000, what: 'the push of the message' },
    );
    expect(receiver.payloads(device.id)).toMatchObject([
      { type: 'message', chat_id: dmId, title: brunoName, sender_name: brunoName, preview: 'Oi Ana, chegou?' },
    ]);
    expect(receiver.rejected).toEqual([]);

    // Opened again: the app sends its subscription once more (the server keeps one per endpoint).
    page = await context.newPage();
    ana.page = page;
    const resent = subscriptionRequest(page, 'POST');
    await page.goto('/');
    await resent;
    await page.getByRole('button', { name: 'New chat' }).waitFor();

    // Logout: the server forgets the device first, then the browser drops the subscription.
    const deleted = subscriptionRequest(page, 'DELETE');
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log out anyway' }).click();
    await deleted;
    await page.getByRole('button', { name: 'Start chatting' }).waitFor();
    await expect.poll(() => redis.exists(subsKey), WAIT).toBe(0);
    expect(await page.evaluate((key) => localStorage.getItem(key), FAKE_KEY)).toBeNull();
    expect(ana.errors).toEqual([]);
  });
});

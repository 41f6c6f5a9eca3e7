/// <reference lib="dom" />
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PapoClient } from '@papo/client';
import type { PushPayload } from '@papo/protocol';
import type { Redis } from 'ioredis';
import type { CDPSession, Page, Worker } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisClient } from '../helpers/redis.js';
import { REPO_ROOT, type ServerProcess } from '../helpers/server-process.js';
import { onTeardown } from '../helpers/teardown.js';
import { onlineClient } from '../sdk/sdk-helpers.js';
import { axeViolations } from './axe.js';
import {
  chatRow,
  DESKTOP,
  loginQuick,
  PHONE,
  persistentApp,
  startWebServer,
  type User,
  uniqueName,
  WEB_DIST,
} from './browser.js';

/**
 * The installable app and its notifications (contract section 13, the web side): the service worker, the
 * manifest, the "Turn on notifications" banner, pushes shown and closed and clicked, the tab telling the server
 * whether it is in front, and the "new version" prompt.
 *
 * Chromium here is a persistent profile (`launchPersistentContext`): an incognito context, which `newContext`
 * makes, is never installable and refuses push. Chromium cannot reach a real push service on this machine
 * (`pushManager.subscribe` never answers), so pushes go in through the DevTools protocol
 * (`ServiceWorker.deliverPushMessage`), and the subscription's way to the server is tested by the SDK's own
 * test (test/sdk/push.test.ts) and the server's (test/push-subscriptions.test.ts).
 */

const DOCS_SCREENSHOTS = resolve(REPO_ROOT, 'docs/screenshots');
const SNOOZE_KEY = 'papo:notifications:snoozed-until';
/** expect.poll's own 1 s is short for a service worker starting on a busy machine. */
const WAIT = { timeout: 10_000 };

let server: ServerProcess;
let web: string;
let redis: Redis;
let ana: User;
let bruno: PapoClient;
const brunoName = uniqueName('Bruno');
let dmId: string;

/**
 * Records, in the page or the service worker, the body of each notification once showNotification has resolved.
 * Chromium's getNotifications, run while a notification is being shown, may leave that one out of its list for
 * good (seen in about one run in ten, the test polling as the page showed): the tests list notifications only
 * after the show they wait for has resolved.
 */
function recordShown() {
  const scope = globalThis as unknown as { papoShown?: string[]; registration?: ServiceWorkerRegistration };
  if (scope.papoShown) return;
  const shown: string[] = [];
  scope.papoShown = shown;
  const target = scope.registration ?? ServiceWorkerRegistration.prototype;
  const original = target.showNotification;
  target.showNotification = function (this: ServiceWorkerRegistration, title, options) {
    return original.call(this, title, options).then(() => {
      shown.push(options?.body ?? '');
    });
  };
}

/** Waits until the page (or the service worker) has shown a notification with this body. */
async function shown(where: Page | Worker, body: string) {
  const read = () => (globalThis as unknown as { papoShown?: string[] }).papoShown ?? [];
  const bodies = () => ('goto' in where ? where.evaluate(read) : where.evaluate(read));
  await expect.poll(bodies, WAIT).toContain(body);
}

/** What the service worker's registration shows now (or of one chat). */
function notifications(page: Page, tag?: string) {
  return page.evaluate(async (tag) => {
    const registration = await navigator.serviceWorker.ready;
    const shown = await registration.getNotifications(tag ? { tag } : undefined);
    return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, icon: n.icon, data: n.data as unknown }));
  }, tag);
}

/**
 * The service worker's registration id, for the DevTools protocol's push delivery, once DevTools reports its
 * worker activated and running: a push delivered before that report (right after `ServiceWorker.enable`) was
 * seen to be lost now and then.
 */
async function registrationId(cdp: CDPSession, scope: string): Promise<string> {
  let id: string | undefined;
  const running = new Set<string>();
  const ready = new Promise<string>((done) => {
    const check = () => {
      if (id && running.has(id)) done(id);
    };
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      id ??= registrations.find((r) => r.scopeURL === scope && !r.isDeleted)?.registrationId;
      check();
    });
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const v of versions) {
        if (v.status === 'activated' && v.runningStatus === 'running') running.add(v.registrationId);
      }
      check();
    });
  });
  await cdp.send('ServiceWorker.enable');
  return ready;
}

beforeAll(async () => {
  // A copy of the build, so the last test can deploy a "new version" of the service worker into it.
  web = mkdtempSync(join(tmpdir(), 'papo-pwa-web-'));
  onTeardown(() => rmSync(web, { recursive: true, force: true }));
  cpSync(WEB_DIST, web, { recursive: true });
  server = await startWebServer({ env: { WEB_DIR: web, PUSH_ALLOW_INSECURE_ENDPOINTS: '1' } });
  redis = redisClient();
  const { context, page } = await persistentApp(server.url, [recordShown]);
  await page.goto('/');
  ana = { name: uniqueName('Ana'), page, context, errors: [], cspViolations: [], userId: '' };
  page.on('pageerror', (err) => ana.errors.push(err.message));
  await loginQuick(ana);
  bruno = await onlineClient(server.url, brunoName);
});

describe('the installable app', () => {
  it('has a service worker controlling the page, is installable, and opens offline', async () => {
    const { page, context } = ana;
    await page.waitForFunction(() => navigator.serviceWorker.controller?.scriptURL.endsWith('/sw.js'));
    const cdp = await context.newCDPSession(page);
    expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.url).toBe(`${server.url}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);

    // No network: the page and its scripts come from the worker's cache; the app says it is offline.
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    await page.getByTestId('connection-banner').waitFor();
    await context.setOffline(false);
    await page.getByTestId('connection-banner').waitFor({ state: 'detached' });
    // The API is never answered from the cache.
    expect(await page.evaluate(async () => (await fetch('/api/me')).status)).toBe(401);
  });
});

describe('notifications', () => {
  it('offers to turn them on once a message comes, not before; "Not now" hides the offer for a week', async () => {
    const { page } = ana;
    const banner = page.getByRole('region', { name: 'Turn on notifications' });
    dmId = (await bruno.createDm(ana.userId)).chat_id;
    await chatRow(page, brunoName).waitFor();
    // A chat, but nothing said in this session yet: no offer.
    expect(await banner.count()).toBe(0);

    bruno.send(dmId, 'Oi Ana, tudo bem?');
    await banner.waitFor();
    expect(await axeViolations(page)).toEqual([]);
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'desktop-notifications-banner.png') });
    await page.setViewportSize(PHONE);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'phone-notifications-banner.png') });
    await page.setViewportSize(DESKTOP);

    await banner.getByRole('button', { name: 'Not now' }).click();
    await banner.waitFor({ state: 'detached' });
    const until = Number(await page.evaluate((key) => localStorage.getItem(key), SNOOZE_KEY));
    expect(until - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    await page.reload();
    bruno.send(dmId, 'Ainda aí?');
    await chatRow(page, brunoName).locator('.chat-preview', { hasText: 'Ainda aí?' }).waitFor();
    expect(await banner.count()).toBe(0);
  });
});

describe('pushes', () => {
  it('shows a pushed message as the page would, closes it when read elsewhere, opens the chat on a click', async () => {
    const { page, context } = ana;
    await context.grantPermissions(['notifications'], { origin: server.url });
    // No chat open, so the click has something to do. (Before the DevTools session: a navigation may end it.)
    await page.goto('/');
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    const cdp = await context.newCDPSession(page);
    const registration = await registrationId(cdp, `${server.url}/`);
    const deliver = (payload: PushPayload) =>
      cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.url,
        registrationId: registration,
        data: JSON.stringify(payload),
      });

    // The worker records what it shows (recordShown): listed only once shown.
    const worker = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
    expect(worker).toBeDefined();
    await worker!.evaluate(recordShown);

    const sentAt = Math.floor(Date.now() / 1000);
    await deliver({
      type: 'message',
      chat_id: dmId,
      message_id: 3,
      title: brunoName,
      sender_name: brunoName,
      preview: 'Vamos ao cinema?',
      kind: 'dm',
      sent_at: sentAt,
    });
    await shown(worker!, 'Vamos ao cinema?');
    await expect
      .poll(() => notifications(page, dmId), WAIT)
      .toEqual([
        {
          title: brunoName,
          body: 'Vamos ao cinema?',
          tag: dmId,
          icon: `${server.url}/icon-192.png`,
          data: { chat_id: dmId, message_id: 3 },
        },
      ]);
    // In a group the line says who wrote; the chat's picture is the icon.
    await deliver({
      type: 'message',
      chat_id: 'c_group_of_test',
      message_id: 9,
      title: 'Clube do livro',
      sender_name: brunoName,
      preview: '📷 Photo',
      kind: 'group',
      icon: '/api/media/m_cover',
      sent_at: sentAt,
    });
    await shown(worker!, `${brunoName}: 📷 Photo`);
    await expect
      .poll(() => notifications(page, 'c_group_of_test'), WAIT)
      .toEqual([
        {
          title: 'Clube do livro',
          body: `${brunoName}: 📷 Photo`,
          tag: 'c_group_of_test',
          icon: `${server.url}/api/media/m_cover`,
          data: { chat_id: 'c_group_of_test', message_id: 9 },
        },
      ]);

    // Read on another device: that chat's notification goes, the other stays, nothing new is shown.
    await deliver({ type: 'read', chat_id: 'c_group_of_test', message_id: 9 });
    await expect.poll(async () => (await notifications(page)).map((n) => n.tag), WAIT).toEqual([dmId]);

    // A click (the worker's own notificationclick listener, given the notification shown) opens the DM.
    await worker!.evaluate(async (tag) => {
      // The worker's globals (the test is typed for the DOM).
      const scope = self as unknown as {
        registration: ServiceWorkerRegistration;
        dispatchEvent(event: Event): boolean;
        NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
      };
      const [shown] = await scope.registration.getNotifications({ tag });
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification: shown! }));
    }, dmId);
    await page.getByRole('heading', { name: brunoName, level: 2 }).waitFor();
    expect(page.url()).toBe(`${server.url}/#/chat/${dmId}`);
    await expect.poll(() => notifications(page, dmId), WAIT).toEqual([]);
  });
});

/** Make the tab hidden or visible as far as the page can tell (headless Chromium's tabs are always visible). */
function setTabHidden(page: Page, hidden: boolean) {
  return page.evaluate((hidden) => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

describe('the open tab', () => {
  it('tells the server when it is hidden; while hidden, notifies a message as its push would look, a muted chat only when mentioned', async () => {
    const { page } = ana;
    // What the page's first chat list holds is not news (src/state/notified.ts): the messages below come after it.
    const listed = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/chats');
    await page.goto('/');
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    await listed;
    // Each connection hidden, with the second it went hidden; a page left (a reload) may leave its own entry
    // until the next set_active prunes it: the one wanted is this connection's, from now on.
    const hiddenKey = `presence:hidden:{${ana.userId}}`;
    const since = Math.floor(Date.now() / 1000);
    const hiddenNow = async () => (await redis.hvals(hiddenKey)).some((second) => Number(second) >= since);
    await setTabHidden(page, true);
    await expect.poll(hiddenNow, WAIT).toBe(true);

    bruno.send(dmId, 'Tá por aí?');
    await shown(page, 'Tá por aí?');
    await expect
      .poll(() => notifications(page, dmId), WAIT)
      .toMatchObject([
        {
          title: brunoName,
          body: 'Tá por aí?',
          tag: dmId,
          icon: `${server.url}/icon-192.png`,
          data: { chat_id: dmId },
        },
      ]);
    // The sound and the title's count stay as they were.
    await expect.poll(() => page.title(), WAIT).toMatch(/^\(\d+\) /);
    await setTabHidden(page, false);

    // Muted: nothing, unless the message mentions her.
    const shownBefore = (await page.evaluate(() => (window as unknown as { papoShown: string[] }).papoShown)).length;
    const row = chatRow(page, brunoName);
    await row.click();
    await page.getByRole('button', { name: 'Chat options' }).click();
    await page.getByRole('menuitem', { name: 'Mute notifications: Always' }).click();
    await page.getByRole('button', { name: 'Chat options' }).click();
    await page.getByRole('menuitem', { name: 'Close chat' }).click();
    await setTabHidden(page, true);
    bruno.send(dmId, 'Silêncio…');
    await row.locator('.chat-preview', { hasText: 'Silêncio…' }).waitFor();
    bruno.send(dmId, 'Ana, olha isto', { mentions: [ana.userId] });
    await shown(page, 'Ana, olha isto');
    await expect.poll(() => notifications(page, dmId), WAIT).toMatchObject([{ body: 'Ana, olha isto', tag: dmId }]);
    expect(
      (await page.evaluate(() => (window as unknown as { papoShown: string[] }).papoShown)).slice(shownBefore),
    ).toEqual(['Ana, olha isto']);

    // Someone new: the first message of a chat the page has not listed yet is notified too.
    const carlaName = uniqueName('Carla');
    const carla = await onlineClient(server.url, carlaName);
    onTeardown(() => carla.disconnect());
    const carlaDm = (await carla.createDm(ana.userId)).chat_id;
    carla.send(carlaDm, 'Olá! Sou a Carla.');
    await shown(page, 'Olá! Sou a Carla.');
    await expect
      .poll(() => notifications(page, carlaDm), WAIT)
      .toMatchObject([{ title: carlaName, body: 'Olá! Sou a Carla.', tag: carlaDm }]);

    await setTabHidden(page, false);
    await expect.poll(() => redis.hlen(hiddenKey), WAIT).toBe(0);
  });
});

describe('the notification settings', () => {
  it('show the switch off; turning on says so when the browser’s push service does not answer', async () => {
    const { page } = ana;
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const toggle = page.getByRole('switch', { name: 'Message notifications' });
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await page.getByText('Off: no notifications of new messages in this browser.').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // The section at the top of the drawer, for the picture.
    await toggle.evaluate((el) => el.closest('section')?.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'desktop-notification-settings.png') });

    // Allowed, but Chromium here never reaches its push service: after a while the switch says why, and stays off.
    await toggle.click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'the browser’s push service did not answer' })
      .waitFor({ timeout: 25_000 });
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    expect(await redis.exists(`push:subs:{${ana.userId}}`)).toBe(0);
  });

  it('say how to unblock them when the browser blocks them, at once', async () => {
    const { page, context } = ana;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Browser.setPermission', {
      origin: server.url,
      permission: { name: 'notifications' },
      setting: 'denied',
    });
    // The panel is still open: it follows the browser's setting without a reload.
    await page.getByText('Notifications are blocked for this site.').waitFor();
    expect(await page.getByRole('switch').count()).toBe(0);
    await context.grantPermissions(['notifications'], { origin: server.url });
  });
});

describe('a new version', () => {
  it('is offered once its service worker has installed; "Reload" switches to it', async () => {
    const { page } = ana;
    await page.goto('/');
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    expect(await page.getByTestId('update-prompt').count()).toBe(0);

    // A deploy: the worker's script changes (its compressed copies would be the old one).
    appendFileSync(join(web, 'sw.js'), '\n// a new deploy\n');
    rmSync(join(web, 'sw.js.br'));
    rmSync(join(web, 'sw.js.gz'));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const prompt = page.getByTestId('update-prompt');
    await prompt.waitFor();
    expect(await prompt.textContent()).toContain('New version available');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'desktop-update-prompt.png') });

    await page.evaluate(() => {
      (window as unknown as { beforeReload: boolean }).beforeReload = true;
    });
    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Reload' }).click()]);
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    expect(await page.evaluate(() => 'beforeReload' in window)).toBe(false);
    const after = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return { waiting: registration?.waiting ?? null, controlled: navigator.serviceWorker.controller !== null };
    });
    expect(after).toEqual({ waiting: null, controlled: true });
    expect(await page.getByTestId('update-prompt').count()).toBe(0);
    expect(ana.errors).toEqual([]);
  });
});

/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDm, sendText } from '../helpers/chat-actions.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { connectAuthed, connectWithToken } from '../helpers/session.js';
import { axeViolations } from './axe.js';
import {
  bubble,
  chatRow,
  launchBrowser,
  newUser,
  screenshot,
  sessionUserId,
  startWebServer,
  uniqueName,
} from './browser.js';

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
});
afterAll(() => server.stop());

/** What the offline cache's database holds (state and logs), read in the page; undefined when it does not exist. */
async function cached(
  page: Page,
): Promise<{ user: string; chats: string[]; logs: Record<string, number[]> } | undefined> {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('papo-cache')) return undefined;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('papo-cache');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const all = <T>(store: string) =>
      new Promise<T[]>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result as T[]);
        req.onerror = () => reject(req.error);
      });
    const [state] = await all<{ user_id: string; chats: Array<{ chat_id: string }> }>('state');
    const logs = await all<{ chat_id: string; messages: Array<{ id: number }> }>('logs');
    db.close();
    return {
      user: state?.user_id ?? '',
      chats: state?.chats.map((c) => c.chat_id) ?? [],
      logs: Object.fromEntries(logs.map((l) => [l.chat_id, l.messages.map((m) => m.id)])),
    };
  });
}

/**
 * The IndexedDB cache (packages/web/src/state/offline-cache.ts): a reload shows the chat list and the open
 * chat's messages from it with the server unreachable, then catches up by id once it is back; logout deletes it.
 */
describe('the offline cache', () => {
  it('shows the last state on a reload without the server, syncs after the kept position, and is gone at logout', async () => {
    const ana = await newUser(browser, server.url, uniqueName('Ana'));
    const page = ana.page;
    const bea = await connectAuthed(server, uniqueName('Bea'));
    const caio = await connectAuthed(server, uniqueName('Caio'));
    const beaDm = (await createDm(bea.client, ana.userId)).chat_id;
    const caioDm = (await createDm(caio.client, ana.userId)).chat_id;
    for (const n of [1, 2, 3]) await sendText(bea.client, beaDm, `Bea says ${n}`);
    await sendText(caio.client, caioDm, 'Caio says hi');
    // A public chat Ana joins (from another connection of hers) and never opens: the list places it, with none
    // of its messages held.
    const square = uniqueName('Praça');
    const squareId = (await bea.client.request('create_public_chat', { title: square })).chat_id as string;
    for (const n of [1, 2, 3]) await sendText(bea.client, squareId, `Praça ${n}`);
    const token = await page.evaluate(
      () => (JSON.parse(localStorage.getItem('papo:session') ?? '{}') as { token: string }).token,
    );
    const elsewhere = await connectWithToken(server, token);
    await elsewhere.request('join_chat', { chat_id: squareId });
    elsewhere.close();
    await chatRow(page, square).waitFor();

    await chatRow(page, bea.username).click();
    await bubble(page, 'Bea says 3').waitFor();
    await chatRow(page, caio.username).waitFor();
    // Written a moment after the changes settle.
    await expect
      .poll(() => cached(page), { timeout: 10_000 })
      .toMatchObject({ logs: { [beaDm]: [1, 2, 3], [caioDm]: [1], [squareId]: [] } });
    expect((await cached(page))?.chats.sort()).toEqual([beaDm, caioDm, squareId].sort());

    // The server unreachable: every API call fails and the WebSocket is closed as it opens.
    const context = ana.context;
    let serverBack = false;
    let historyAsked = 0;
    await context.route('**/api/**', (route) => {
      if (serverBack) return route.fallback();
      if (route.request().url().includes(`/api/chats/${squareId}/messages`)) historyAsked++;
      return route.abort();
    });
    await context.routeWebSocket(/\/ws$/, (ws) => {
      if (serverBack) ws.connectToServer();
      else ws.close({ code: 1006 });
    });
    const sentFrames: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (frame) => sentFrames.push(String(frame.payload))));
    await page.reload();

    await chatRow(page, caio.username).waitFor();
    await expect.poll(() => page.locator('button.chat-row').count()).toBe(3);
    expect(await chatRow(page, caio.username).textContent()).toContain('Caio says hi');
    for (const n of [1, 2, 3]) await bubble(page, `Bea says ${n}`).waitFor();
    await page.getByTestId('connection-banner').waitFor();
    // The offline banner over the kept state, in the dark theme too: readable (axe).
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'offline-cache-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // The public chat's history cannot be read offline: asked once, not again at every render while offline
    // (a time window: what is checked is that nothing more happens in it).
    await chatRow(page, square).click();
    await expect.poll(() => historyAsked).toBeGreaterThan(0);
    await page.waitForTimeout(1500);
    expect(historyAsked).toBeLessThanOrEqual(2);

    // Meanwhile Bea writes again. With the server back (the SDK's reconnect backoff, at most 15 s, brings it
    // back), the public chat's history fills the view, and Bea's chat catches up from id 3, not from scratch.
    await sendText(bea.client, beaDm, 'Bea while you were away');
    serverBack = true;
    await bubble(page, 'Praça 3').waitFor({ timeout: 30_000 });
    await chatRow(page, bea.username).click();
    await bubble(page, 'Bea while you were away').waitFor({ timeout: 30_000 });
    const syncs = sentFrames
      .map((text) => JSON.parse(text) as { action: string; data?: { chat_id?: string; after_id?: number } })
      .filter((frame) => frame.action === 'sync' && frame.data?.chat_id === beaDm);
    expect(syncs[0]?.data?.after_id).toBe(3);
    expect(await page.getByTestId('connection-banner').count()).toBe(0);
    await expect.poll(() => cached(page), { timeout: 10_000 }).toMatchObject({ logs: { [beaDm]: [1, 2, 3, 4] } });

    // Logout: the database goes with the session.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    // A temporary account: the app warns first.
    await page.getByRole('button', { name: 'Log out anyway' }).click();
    await page.getByRole('button', { name: 'Start chatting' }).waitFor();
    await expect.poll(() => cached(page)).toBeUndefined();

    // Someone else logs in on this page: the cache is theirs alone from then on.
    await page.getByLabel('Your name').fill(uniqueName('Duda'));
    await page.getByRole('button', { name: 'Start chatting' }).click();
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    const duda = await sessionUserId(page);
    expect(duda).not.toBe(ana.userId);
    await expect.poll(() => cached(page), { timeout: 10_000 }).toEqual({ user: duda, chats: [], logs: {} });
    expect(ana.errors).toEqual([]);
  });
});

/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import {
  bubble,
  chatRow,
  launchBrowser,
  newUser,
  openDmWith,
  screenshot,
  send,
  startWebServer,
  type User,
} from './browser.js';

// The server is stopped mid-conversation and a new one starts on the same port (same Redis): both browsers
// show the offline banner, what is typed meanwhile waits as pending, and after the reconnect everything is
// delivered exactly once, in order, on both sides.
describe('a server restart in the middle of a conversation', { timeout: 90_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    [ana, bruno] = await Promise.all([
      newUser(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
    ]);
  });

  it('shows the banner while offline, then recovers with nothing lost or doubled', async () => {
    await openDmWith(ana, bruno);
    await send(ana.page, 'Antes da queda 1');
    await chatRow(bruno.page, ana.name).click();
    await send(bruno.page, 'Antes da queda 2');
    await bubble(ana.page, 'Antes da queda 2').waitFor();

    const port = server.port;
    await server.stop();
    await ana.page.getByTestId('connection-banner').waitFor();
    await bruno.page.getByTestId('connection-banner').getByText('You are offline. Reconnecting…').waitFor();

    // Typed while offline: shown at once, pending (clock), kept in the outbox.
    await send(ana.page, 'Durante a queda A1');
    await send(ana.page, 'Durante a queda A2');
    await send(bruno.page, 'Durante a queda B1');
    await bubble(ana.page, 'Durante a queda A2').locator('[data-state="pending"]').waitFor();
    await bubble(bruno.page, 'Durante a queda B1').locator('[data-state="pending"]').waitFor();
    await screenshot(ana.page, 'desktop-offline');

    server = await startWebServer({ port });
    await ana.page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 45_000 });
    await bruno.page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 45_000 });

    for (const text of ['Durante a queda A1', 'Durante a queda A2']) {
      await bubble(ana.page, text)
        .locator('[data-state="sent"], [data-state="delivered"], [data-state="read"]')
        .waitFor();
      await bubble(bruno.page, text).waitFor();
    }
    await bubble(ana.page, 'Durante a queda B1').waitFor();
    await bubble(bruno.page, 'Durante a queda B1')
      .locator('[data-state="sent"], [data-state="delivered"], [data-state="read"]')
      .waitFor();
    await send(ana.page, 'Depois da volta');
    await bubble(bruno.page, 'Depois da volta').waitFor();

    // Each side holds every message exactly once. Ana's own two offline messages keep their order; Bruno's
    // may land before or after them (the two outboxes were flushed by two connections).
    for (const user of [ana, bruno]) {
      const bodies = await user.page.locator('.message-row .body').allTextContents();
      expect(new Set(bodies).size).toBe(bodies.length);
      expect(bodies).toHaveLength(6);
      expect(bodies.slice(0, 2)).toEqual(['Antes da queda 1', 'Antes da queda 2']);
      expect(bodies.indexOf('Durante a queda A1')).toBeLessThan(bodies.indexOf('Durante a queda A2'));
      expect(bodies.at(-1)).toBe('Depois da volta');
      expect(await user.page.locator('[data-state="pending"]').count()).toBe(0);
    }

    // A reload after all this shows the same conversation, from the server's history.
    await bruno.page.reload();
    await bubble(bruno.page, 'Depois da volta').waitFor();
    const reloaded = await bruno.page.locator('.message-row .body').allTextContents();
    expect(reloaded).toEqual(await ana.page.locator('.message-row .body').allTextContents());
    expect(ana.errors).toEqual([]);
    expect(bruno.errors).toEqual([]);
  });
});

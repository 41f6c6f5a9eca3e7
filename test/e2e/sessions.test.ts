/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniq } from '../helpers/http.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { bubble, launchBrowser, newUser, openApp, screenshot, send, startWebServer, type User } from './browser.js';

/**
 * Sessions in the browser (issue 16, finding 3): a session outlives its hour-long token (4 s here), a
 * temporary account is warned about before logout and can be kept by adding an e-mail, and "log out other
 * devices" ends the others at once. Codes are read from the dev server's answer (LOGIN_CODES_IN_RESPONSE=1).
 */
describe('sessions in the browser', { timeout: 90_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  const email = `${uniq('ana-')}@example.com`;

  beforeAll(async () => {
    server = await startWebServer({ env: { TOKEN_TTL_S: '4' } });
    browser = await launchBrowser();
    ana = await newUser(browser, server.url, 'Ana Sessão');
  });

  it('stays logged in past the token’s life, across a reload and a tab closed and opened again', async () => {
    const page = ana.page;
    await page.getByRole('button', { name: 'Public chats' }).click();
    await page.getByLabel('Create a public chat').fill('Sessões que duram');
    await page.getByRole('button', { name: 'Create' }).click();
    await send(page, 'antes de o token expirar');
    await bubble(page, 'antes de o token expirar').waitFor();
    const first = await page.evaluate(() => JSON.parse(localStorage.getItem('papo:session') ?? '{}').token);
    // The SDK refreshes ahead of expiry by itself.
    await page.waitForFunction((old) => JSON.parse(localStorage.getItem('papo:session') ?? '{}').token !== old, first, {
      timeout: 10_000,
    });
    await page.reload();
    await send(page, 'depois de recarregar');
    await bubble(page, 'depois de recarregar').waitFor();

    // Closed for longer than a token lives: the stored token is dead, the session is not.
    await page.close();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    ana.page = await ana.context.newPage();
    ana.page.on('pageerror', (err) => ana.errors.push(err.message));
    await ana.page.goto('/');
    await ana.page.locator('.chat-title', { hasText: 'Sessões que duram' }).waitFor();
    expect(await ana.page.getByText(/code is wrong|session ended/i).count()).toBe(0);
    expect(ana.errors).toEqual([]);
  });

  it('warns before logging a temporary account out, and keeps it when an e-mail is added', async () => {
    const page = ana.page;
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Log out of a temporary account?' });
    await dialog.getByText('You will lose this account').waitFor();
    await screenshot(page, 'desktop-logout-warning');
    await dialog.getByRole('button', { name: 'Add a phone or e-mail' }).click();

    await page.getByLabel('Add a phone or e-mail').fill(email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('button', { name: 'Use it' }).click();
    await page.locator('form').getByRole('button', { name: 'Add a phone or e-mail' }).click();
    await page.getByText(`You log in with ${email}.`).waitFor();
    await screenshot(page, 'desktop-account-devices');

    // No longer temporary: logging out asks nothing, and the e-mail logs in to the same account.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.getByRole('tab', { name: 'Phone or e-mail' }).click();
    await page.getByLabel('Phone (+5511912345678) or e-mail').fill(email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('button', { name: 'Use it' }).click();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.chat-title', { hasText: 'Sessões que duram' }).waitFor();
  });

  it('lists the devices and logs the others out at once', async () => {
    const other = await openApp(browser, server.url, 'Ana no celular');
    await other.page.getByRole('tab', { name: 'Phone or e-mail' }).click();
    await other.page.getByLabel('Phone (+5511912345678) or e-mail').fill(email);
    await other.page.getByRole('button', { name: 'Send code' }).click();
    await other.page.getByRole('button', { name: 'Use it' }).click();
    await other.page.getByRole('button', { name: 'Log in' }).click();
    await other.page.locator('.chat-title', { hasText: 'Sessões que duram' }).waitFor();

    const page = ana.page;
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Account and devices' }).click();
    await page.getByText('This device').waitFor();
    await page.getByRole('button', { name: 'Log out all other devices' }).click();
    await page.getByText('Other devices logged out: 1.').waitFor();
    await other.page.getByText('Your session ended. Please log in again.').waitFor();
    expect(other.errors).toEqual([]);
    expect(ana.errors).toEqual([]);
  });

  it('a wrong code on the login form says so; an ended session never does', async () => {
    const guest = await newUser(browser, server.url, 'Visitante');
    await guest.page.getByRole('button', { name: 'Menu' }).click();
    await guest.page.getByRole('menuitem', { name: 'Log out' }).click();
    await guest.page.getByRole('button', { name: 'Log out anyway' }).click();
    await guest.page.getByRole('tab', { name: 'Phone or e-mail' }).click();
    await guest.page.getByLabel('Phone (+5511912345678) or e-mail').fill(`${uniq('x-')}@example.com`);
    await guest.page.getByRole('button', { name: 'Send code' }).click();
    await guest.page.getByLabel('Code').fill('000000');
    await guest.page.getByRole('button', { name: 'Log in' }).click();
    await guest.page.getByText('The code is wrong or has expired').waitFor();
    expect(guest.errors).toEqual([]);
  });
});

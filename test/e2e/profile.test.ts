import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { axeViolations } from './axe.js';
import { launchBrowser, newUser, PHONE, screenshot, startWebServer, uniqueName } from './browser.js';

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
});
afterAll(() => server.stop());

/** The profile in Settings: one's own name and "about" line (PATCH /api/me). */
describe('editing one’s profile in the web client', () => {
  it('saves a new name and about line: the header shows the name, the server has both, a reload keeps them', async () => {
    const ana = await newUser(browser, server.url, uniqueName('Ana'), PHONE);
    const page = ana.page;
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Profile' });
    const save = form.getByRole('button', { name: 'Save' });
    expect(await save.isDisabled()).toBe(true); // nothing changed yet

    const newName = uniqueName('Ana Clara');
    await form.getByLabel('Your name').fill(newName);
    await form.getByLabel('About').fill('No clube do livro aos sábados 📚');
    await save.click();
    await form.getByText('Saved.').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'phone-profile');

    const token = await page.evaluate(
      () => (JSON.parse(localStorage.getItem('papo:session') ?? '{}') as { token: string }).token,
    );
    const me = await api(server.url, '/api/me', { token });
    expect(me.body).toMatchObject({
      user_id: ana.userId,
      username: newName,
      about: 'No clube do livro aos sábados 📚',
    });

    await page.reload();
    await expect.poll(() => page.locator('.me-name').textContent()).toBe(newName);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    expect(await page.getByRole('form', { name: 'Profile' }).getByLabel('About').inputValue()).toBe(
      'No clube do livro aos sábados 📚',
    );
    await ana.context.close();
  });
});

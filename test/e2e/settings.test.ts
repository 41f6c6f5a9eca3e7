/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDm, sendText } from '../helpers/chat-actions.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { axeViolations } from './axe.js';
import {
  bubble,
  chatRow,
  launchBrowser,
  newUser,
  PHONE,
  screenshot,
  send,
  startWebServer,
  uniqueName,
} from './browser.js';

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
});
afterAll(() => server.stop());

const theme = (page: Page) => page.evaluate(() => document.documentElement.dataset.theme);
const barColour = (page: Page) =>
  page.evaluate(() => document.querySelector('meta[name="theme-color"]')?.getAttribute('content'));

async function openSettings(page: Page, menu = 'Menu', settings = 'Settings'): Promise<void> {
  await page.getByRole('button', { name: menu, exact: true }).click();
  await page.getByRole('menuitem', { name: settings }).click();
}

/**
 * Settings (components/settings-panel.tsx): the theme (System follows prefers-color-scheme live; Light and Dark
 * are kept), the language (kept, the page reloads in it), and the dark theme readable everywhere (axe's
 * contrast checks in dark as in light).
 */
describe('settings: theme and language', () => {
  it('switches to dark and back to the system’s, live; every screen passes axe in dark', async () => {
    const ana = await newUser(browser, server.url, uniqueName('Ana'));
    const page = ana.page;
    const bea = await connectAuthed(server, uniqueName('Bea'));
    const dm = (await createDm(bea.client, ana.userId)).chat_id;
    await sendText(bea.client, dm, 'Oi Ana! Vamos ao cinema hoje?');
    await sendText(bea.client, dm, 'https://example.com/filme has the times');
    await chatRow(page, bea.username).click();
    await bubble(page, 'Oi Ana! Vamos ao cinema hoje?').waitFor();
    await send(page, 'Sure, the 8 pm one 🎬');
    await page.locator('.message-row.own .ticks').waitFor();

    await page.emulateMedia({ colorScheme: 'light' });
    expect(await theme(page)).toBe('light');
    await openSettings(page);
    const themes = page.getByRole('group', { name: 'Theme' });
    expect(await themes.getByRole('radio', { name: 'System' }).isChecked()).toBe(true);
    await page.getByRole('form', { name: 'Profile' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'desktop-settings');

    await themes.getByRole('radio', { name: 'Dark' }).check();
    expect(await theme(page)).toBe('dark');
    expect(await barColour(page)).toBe('#202c33');
    const background = await page.locator('.settings-panel').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(17, 27, 33)');
    expect(await axeViolations(page)).toEqual([]);

    // Kept across a reload, whatever the system says.
    await page.reload();
    await bubble(page, 'Sure, the 8 pm one 🎬').waitFor();
    expect(await theme(page)).toBe('dark');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'desktop-dark-conversation');

    // Back to System: it follows the system's setting as it changes.
    await openSettings(page);
    await themes.getByRole('radio', { name: 'System' }).check();
    expect(await theme(page)).toBe('light');
    expect(await barColour(page)).toBe('#00a884');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => theme(page)).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => theme(page)).toBe('light');
    expect(await page.evaluate(() => localStorage.getItem('papo:theme'))).toBeNull();
    expect(ana.errors).toEqual([]);
  });

  it('switches the language, kept across reloads', async () => {
    const ana = await newUser(browser, server.url, uniqueName('Ana'));
    const page = ana.page;
    await openSettings(page);
    const languages = page.getByRole('group', { name: 'Language' });
    expect(await languages.getByRole('radio', { name: 'English' }).isChecked()).toBe(true);
    // Choosing reloads the page in the language chosen.
    await Promise.all([
      page.waitForEvent('load'),
      languages.getByRole('radio', { name: 'Português (Brasil)' }).click(),
    ]);
    await page.getByRole('button', { name: 'Nova conversa' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('pt-BR');
    await openSettings(page, 'Menu', 'Configurações');
    const idiomas = page.getByRole('group', { name: 'Idioma' });
    expect(await idiomas.getByRole('radio', { name: 'Português (Brasil)' }).isChecked()).toBe(true);
    expect(await page.getByRole('group', { name: 'Tema' }).getByRole('radio', { name: 'Sistema' }).isChecked()).toBe(
      true,
    );
    expect(await axeViolations(page)).toEqual([]);

    await Promise.all([page.waitForEvent('load'), idiomas.getByRole('radio', { name: 'English' }).click()]);
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('papo:language'))).toBe('en');
    expect(ana.errors).toEqual([]);
  });

  it('shows the chat list in dark at phone width, following the system', async () => {
    const caio = await newUser(browser, server.url, uniqueName('Caio'), PHONE);
    const page = caio.page;
    await page.emulateMedia({ colorScheme: 'dark' });
    const peers = await Promise.all([
      connectAuthed(server, uniqueName('Duda')),
      connectAuthed(server, uniqueName('Edu')),
    ]);
    for (const [index, peer] of peers.entries()) {
      const dm = (await createDm(peer.client, caio.userId)).chat_id;
      await sendText(peer.client, dm, index === 0 ? 'Bom dia! ☀️' : 'Did you see the game last night?');
    }
    for (const peer of peers) await chatRow(page, peer.username).waitFor();
    expect(await theme(page)).toBe('dark');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'phone-dark-chats');

    // The Settings screen fits a phone, in dark too.
    await openSettings(page);
    await page.getByRole('group', { name: 'Theme' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    await page.getByRole('button', { name: 'Back', exact: true }).click();
    // Closed, Settings gives focus back to the menu it was opened from.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Menu');

    // A dialog (a temporary account's logout warning), and the login screen, in dark.
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log out anyway' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Log out anyway' }).click();
    await page.getByRole('button', { name: 'Start chatting' }).waitFor();
    expect(await theme(page)).toBe('dark');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'phone-dark-login');
    expect(caio.errors).toEqual([]);
  });
});

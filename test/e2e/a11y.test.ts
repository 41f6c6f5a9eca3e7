/// <reference lib="dom" />
import { LIMITS } from '@papo/protocol';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { connectAuthed, connectWithToken, type Session } from '../helpers/session.js';
import { axeViolations } from './axe.js';
import {
  bubble,
  chatRow,
  DESKTOP,
  launchBrowser,
  newUser,
  openApp,
  openDmWith,
  PHONE,
  screenshot,
  send,
  startWebServer,
  uniqueName,
} from './browser.js';

/**
 * Every screen passes axe-core as it runs by default (WCAG 2 A/AA and best practices), at both widths and in
 * the dark theme: the
 * login (both steps of the code login too), the chat list with unread and muted chats, a DM and a public
 * chat with messages, and every drawer, menu and dialog.
 */
describe('accessibility (axe-core) at both widths', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let bot: Session;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer({ env: { RATE_LIMIT_MESSAGES: '1000' } }), launchBrowser()]);
    bot = await connectAuthed(server, 'Bot Praça');
  });

  /**
   * axe's violations on each screen, named by screen, checked at the end of a test: one run shows them all
   * (a violation does not stop the walk through the screens).
   */
  function violationLog() {
    const found: string[] = [];
    return {
      found,
      check: async (page: Page, where: string) => {
        for (const line of await axeViolations(page)) found.push(`${where}: ${line}`);
      },
    };
  }

  it('the name field says how near its limit a name is, and stops there', async () => {
    const { found, check: checkAxe } = violationLog();
    const guest = await openApp(browser, server.url, 'Guest');
    const page = guest.page;
    const field = page.getByLabel('Your name');
    const count = page.locator('.field-count');
    const max = LIMITS.usernameMaxLength;
    const name = 'Maria Aparecida da Silva Nascimento Pereira';
    expect(name.length).toBeGreaterThan(max);
    // Far from the limit: no counter. Near it: the count. Typing on past it: the field keeps what fits.
    await field.pressSequentially(name.slice(0, max - 9));
    expect(await count.count()).toBe(0);
    await field.pressSequentially(name.slice(max - 9, max - 8));
    await expect.poll(() => count.textContent()).toBe(`${max - 8}/${max}`);
    await field.pressSequentially(name.slice(max - 8));
    expect(await field.inputValue()).toBe(name.slice(0, max));
    await expect.poll(() => count.textContent()).toBe(`${max}/${max}: the longest a name can be`);
    expect(await field.getAttribute('aria-describedby')).toBe(await count.getAttribute('id'));
    await checkAxe(page, 'login, name at its limit');
    await screenshot(page, 'a11y-desktop-login-name-limit');
    await field.fill('Maria');
    await count.waitFor({ state: 'detached' });
    expect(found).toEqual([]);
    expect(guest.errors).toEqual([]);
  });

  // The dark theme (the system's, as Settings' "System" follows it) walks the desktop's screens again.
  for (const [width, viewport, colorScheme] of [
    ['desktop', DESKTOP, 'light'],
    ['phone', PHONE, 'light'],
    ['desktop-dark', DESKTOP, 'dark'],
  ] as const) {
    it(`the login screen, both steps of the code login (${width})`, async () => {
      const { found, check: checkAxe } = violationLog();
      const guest = await openApp(browser, server.url, 'Guest', viewport);
      const page = guest.page;
      await page.emulateMedia({ colorScheme });
      await page.getByLabel('Your name').waitFor();
      // The page follows the system's scheme from its change event: a moment after.
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(colorScheme);
      await checkAxe(page, 'login, quick start');
      await screenshot(page, `a11y-${width}-login`);

      await page.getByRole('tab', { name: 'Phone or e-mail' }).click();
      await checkAxe(page, 'login, address');
      await page.getByLabel('Phone (+5511912345678) or e-mail').fill(`a11y-${width}-${Date.now()}@example.com`);
      await page.getByRole('button', { name: 'Send code' }).click();
      // The button that had focus is gone: focus moves to the code field, where the user types next.
      await page.waitForFunction(() => document.activeElement?.classList.contains('code-input'));
      expect(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete'))).toBe('one-time-code');
      await checkAxe(page, 'login, code');
      await screenshot(page, `a11y-${width}-login-code`);
      expect(found).toEqual([]);
      expect(guest.errors).toEqual([]);
      expect(guest.cspViolations).toEqual([]);
    });

    it(`the chat list, a DM, a public chat, a muted chat, the drawers and dialogs (${width})`, async () => {
      const { found, check: checkAxe } = violationLog();
      const [ana, bruno] = await Promise.all([
        newUser(browser, server.url, 'Ana Acessível', viewport),
        newUser(browser, server.url, 'Bruno Leitor'),
      ]);
      const page = ana.page;
      await page.emulateMedia({ colorScheme });
      // The page follows the system's scheme from its change event: a moment after.
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(colorScheme);
      await checkAxe(page, 'no chat yet');

      // Two public chats with history, one of them muted; a DM with unread messages.
      const square = uniqueName('Praça');
      const quiet = uniqueName('Silêncio');
      const client = await connectWithToken(
        server,
        await page.evaluate(() => JSON.parse(localStorage.getItem('papo:session') ?? '{}').token as string),
      );
      const ids: Record<string, string> = {};
      for (const title of [square, quiet]) {
        ids[title] = (await bot.client.request('create_public_chat', { title })).chat_id as string;
        await client.request('join_chat', { chat_id: ids[title] });
        // More than a screenful in the public chat, to scroll by keyboard.
        const lines = title === square ? 24 : 0;
        for (let i = 1; i <= lines; i++) {
          await bot.client.request('send_message', { chat_id: ids[title], body: `Aviso nº ${i} da praça` });
        }
        await bot.client.request('send_message', { chat_id: ids[title], body: `Bem-vindos à ${title}!` });
      }
      await client.request('mute_chat', { chat_id: ids[quiet], until: 4_102_444_800 });
      client.close();
      await page.reload();
      await openDmWith(bruno, ana);
      await send(bruno.page, 'Oi Ana, tudo certo?');
      await chatRow(page, bruno.name).locator('.badge', { hasText: '1' }).waitFor();
      await chatRow(page, quiet).locator('.badge-muted').waitFor();
      await chatRow(page, square).locator('.badge').waitFor();

      // A muted chat's time is grey like its badge, not green.
      const colours = await chatRow(page, quiet).evaluate((row) => ({
        time: getComputedStyle(row.querySelector('.chat-time')!).color,
        badge: getComputedStyle(row.querySelector('.badge')!).backgroundColor,
      }));
      expect(colours.time).toBe(colours.badge);
      await checkAxe(page, 'chat list');
      await screenshot(page, `a11y-${width}-list`);

      // The sidebar's menu, open.
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('menuitem', { name: 'Account and devices' }).waitFor();
      await checkAxe(page, 'sidebar menu');
      await page.keyboard.press('Escape');

      // The DM: Bruno's message with the unread line, Ana's answer read (blue ticks).
      await chatRow(page, bruno.name).click();
      await page.getByText('1 unread message').waitFor();
      await send(page, 'Tudo! E com você?');
      await bubble(page, 'Tudo! E com você?').locator('[data-state="read"]').waitFor();
      await send(bruno.page, 'Também, obrigado 😊');
      await bubble(page, 'Também, obrigado 😊').waitFor();
      // A link, a long message folded under "Read more", and an emoji alone (drawn large).
      await send(bruno.page, 'A agenda está em https://example.com/agenda');
      await send(bruno.page, `Resumo da reunião: ${'falamos de tudo um pouco. '.repeat(40)}`);
      await send(bruno.page, '🎉');
      await bubble(page, '🎉').waitFor();
      await bubble(page, 'Resumo da reunião').getByRole('button', { name: 'Read more' }).waitFor();
      await bubble(page, 'A agenda está em').getByRole('link').waitFor();
      await checkAxe(page, 'DM');
      await screenshot(page, `a11y-${width}-conversation`);

      // The conversation's menu, open.
      await page.getByRole('button', { name: 'Chat options' }).click();
      await page.getByRole('menuitem', { name: 'Close chat' }).waitFor();
      await checkAxe(page, 'conversation menu');
      await page.getByRole('menuitem', { name: 'Close chat' }).click();

      // The public chats: one muted, one with a sender's name over the bubble.
      for (const title of [quiet, square]) {
        await chatRow(page, title).click();
        await bubble(page, `Bem-vindos à ${title}!`).waitFor();
        await checkAxe(page, `public chat ${title}`);
        if (title === square) {
          // The message list is reached by keyboard and scrolled by it: Shift+Tab from the message box reaches
          // the attach button, then the newest bubble (the one of the list in the Tab order, for its menu), once
          // more the list itself.
          const messages = page.getByRole('region', { name: 'Messages' });
          await page.getByLabel('Type a message').focus();
          await page.keyboard.press('Shift+Tab');
          expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Attach');
          await page.keyboard.press('Shift+Tab');
          expect(
            await bubble(page, `Bem-vindos à ${title}!`)
              .locator('.bubble')
              .evaluate((el) => el === document.activeElement),
          ).toBe(true);
          await page.keyboard.press('Shift+Tab');
          expect(await messages.evaluate((el) => el === document.activeElement)).toBe(true);
          const bottom = await messages.evaluate((el) => el.scrollTop);
          expect(bottom).toBeGreaterThan(0);
          await page.keyboard.press('PageUp');
          await expect.poll(() => messages.evaluate((el) => el.scrollTop)).toBeLessThan(bottom);
          await page.getByRole('button', { name: 'Scroll to the newest message' }).waitFor();
          await checkAxe(page, `public chat ${title}, scrolled up`);
          await screenshot(page, `a11y-${width}-public-chat`);
        }
        await page.getByRole('button', { name: 'Chat options' }).click();
        await page.getByRole('menuitem', { name: 'Close chat' }).click();
      }

      // The drawers over the list.
      await page.getByRole('button', { name: 'New chat' }).click();
      await page.locator(`.person-row[data-user-id="${bruno.userId}"]`).waitFor();
      await checkAxe(page, 'new chat');
      await screenshot(page, `a11y-${width}-new-chat`);
      await page.getByRole('button', { name: 'Back', exact: true }).click();

      await page.getByRole('button', { name: 'Public chats' }).click();
      await page.locator('.directory-row', { hasText: square }).waitFor();
      await checkAxe(page, 'public directory');
      await page.getByRole('button', { name: 'Back', exact: true }).click();

      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('menuitem', { name: 'Account and devices' }).click();
      await page.getByText('This device').waitFor();
      await checkAxe(page, 'account panel');
      // Adding an e-mail: the code field takes focus here too once it shows.
      await page.getByLabel('Add a phone or e-mail').fill(`a11y-link-${width}-${Date.now()}@example.com`);
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.waitForFunction(() => document.activeElement?.classList.contains('code-input'));
      await checkAxe(page, 'account panel, code');
      await page.getByRole('button', { name: 'Back', exact: true }).click();

      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('menuitem', { name: 'Log out' }).click();
      await page.getByRole('alertdialog', { name: 'Log out of a temporary account?' }).waitFor();
      await checkAxe(page, 'logout dialog');
      await screenshot(page, `a11y-${width}-logout-dialog`);
      await page.getByRole('button', { name: 'Cancel' }).click();

      expect(found).toEqual([]);
      expect(ana.errors).toEqual([]);
      expect(ana.cspViolations).toEqual([]);
    });
  }
});

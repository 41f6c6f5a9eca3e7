/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinChat, sendText } from '../helpers/chat-actions.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { connectAuthed, type Session } from '../helpers/session.js';
import {
  bubble,
  chatRow,
  header,
  launchBrowser,
  newUser,
  openApp,
  openDmWith,
  PHONE,
  screenshot,
  send,
  sessionUserId,
  startWebServer,
  type User,
} from './browser.js';

const HISTORY = 45;

async function scrollToStart(page: Page, first: string): Promise<void> {
  const scroller = page.locator('.messages-scroll');
  for (let round = 0; round < 10 && (await bubble(page, first).count()) === 0; round++) {
    const shown = await page.locator('.message-row').count();
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.waitForFunction((n) => document.querySelectorAll('.message-row').length > n, shown);
  }
}

// A public chat created in one browser and joined from another; history paged in on scrolling up; a reload
// keeps the session, the open chat and its history; login by e-mail code; an expired session asks to log in.
describe('public chats, history and sessions in the browser', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;
  let bot: Session;
  const title = 'Clube do livro';
  let chatId = '';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer({ env: { RATE_LIMIT_MESSAGES: '1000' } }), launchBrowser()]);
    [ana, bruno] = await Promise.all([
      newUser(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
    ]);
    bot = await connectAuthed(server, 'Diário');
  });

  it('one creates a public chat, the other finds it in the directory and joins', async () => {
    await ana.page.getByRole('button', { name: 'Public chats' }).click();
    await ana.page.getByPlaceholder('Chat name').fill(title);
    await ana.page.getByRole('button', { name: 'Create', exact: true }).click();
    await ana.page.getByRole('heading', { name: title, level: 2 }).waitFor();
    await header(ana.page).filter({ hasText: 'public chat' }).waitFor();
    chatId = /#\/chat\/(.+)$/.exec(ana.page.url())?.[1] ?? '';
    expect(chatId).not.toBe('');

    await bruno.page.getByRole('button', { name: 'Public chats' }).click();
    const entry = bruno.page.locator('.directory-row', { hasText: title });
    await entry.getByText('1 member').waitFor();
    await screenshot(bruno.page, 'desktop-directory');
    await entry.getByRole('button', { name: `Join: ${title}`, exact: true }).click();
    await bruno.page.getByRole('heading', { name: title, level: 2 }).waitFor();

    await send(bruno.page, 'Cheguei! Qual é o livro do mês?');
    const fromBruno = bubble(ana.page, 'Qual é o livro do mês?');
    await fromBruno.waitFor();
    // In a public chat, others' bubbles carry the sender's name.
    await fromBruno.locator('.sender', { hasText: bruno.name }).waitFor();
    await send(ana.page, 'Bem-vindo! "Grande Sertão: Veredas".');
    await bubble(bruno.page, 'Grande Sertão').waitFor();
  });

  it('pages older history in when scrolling up, without duplicates', async () => {
    await joinChat(bot.client, chatId);
    for (let i = 1; i <= HISTORY; i++) await sendText(bot.client, chatId, `Trecho ${String(i).padStart(2, '0')}`);
    await send(ana.page, 'Que sequência!');

    // A third person logs in by e-mail (the dev server shows the code), joins, and scrolls to the start.
    const carla = await openApp(browser, server.url, 'Carla Dias', PHONE);
    await carla.page.getByRole('tab', { name: 'Phone or e-mail' }).click();
    await carla.page.getByLabel('Phone (+5511912345678) or e-mail').fill(`carla.${Date.now()}@example.com`);
    await carla.page.getByRole('button', { name: 'Send code' }).click();
    await carla.page.getByText('Development server: your code is').waitFor();
    await screenshot(carla.page, 'phone-login-code');
    await carla.page.getByRole('button', { name: 'Use it' }).click();
    await carla.page.getByLabel('Your name (optional)').fill(carla.name);
    await carla.page.getByRole('button', { name: 'Log in' }).click();
    await carla.page.getByRole('button', { name: 'Public chats' }).click();
    await carla.page.getByRole('button', { name: `Join: ${title}`, exact: true }).click();
    await bubble(carla.page, 'Que sequência!').waitFor();

    await scrollToStart(carla.page, 'Cheguei!');
    await carla.page.getByText('This is the beginning of the conversation.').waitFor();
    const bodies = await carla.page.locator('.message-row .body').allTextContents();
    expect(bodies).toHaveLength(HISTORY + 3);
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(bodies[0]).toBe('Cheguei! Qual é o livro do mês?');
    expect(bodies.at(-1)).toBe('Que sequência!');

    // Back on the list: the public chat with its group avatar; a DM from Ana arrives with a badge.
    await carla.page.getByRole('button', { name: 'Back to chats' }).click();
    carla.userId = await sessionUserId(carla.page);
    await openDmWith(ana, carla);
    await send(ana.page, 'Oi Carla! Gostou do clube?');
    await chatRow(carla.page, ana.name).locator('.badge', { hasText: '1' }).waitFor();
    await screenshot(carla.page, 'phone-list-chats');
    await carla.context.close();
  });

  it('a reload keeps the session, the open chat and its history', async () => {
    await bruno.page.reload();
    await bruno.page.getByRole('heading', { name: title, level: 2 }).waitFor();
    await bubble(bruno.page, 'Que sequência!').waitFor();
    await bubble(bruno.page, `Trecho ${HISTORY}`).waitFor();
    // Own messages keep their side and state after the reload.
    await scrollToStart(bruno.page, 'Cheguei!');
    expect(await bubble(bruno.page, 'Cheguei!').getAttribute('data-own')).toBe('true');
    await send(bruno.page, 'Ainda estou aqui depois de recarregar.');
    await chatRow(ana.page, title).click();
    await bubble(ana.page, 'depois de recarregar').waitFor();
    await screenshot(ana.page, 'desktop-public-chat');
  });

  it('an expired session shows the login screen with a notice', async () => {
    await bruno.page.evaluate(() => {
      localStorage.setItem('papo:session', JSON.stringify({ token: 'expired-token-0000000000000000', user_id: 'u_x' }));
    });
    await bruno.page.reload();
    await bruno.page.getByText('Your session ended. Please log in again.').waitFor();
    await bruno.page.getByLabel('Your name').waitFor();
    expect(ana.errors).toEqual([]);
    expect(bruno.errors).toEqual([]);
  });
});

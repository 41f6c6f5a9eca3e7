/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import {
  bubble,
  chatRow,
  header,
  launchBrowser,
  loginQuick,
  newUser,
  openApp,
  openDmWith,
  PHONE,
  screenshot,
  send,
  soundsPlayed,
  startWebServer,
  type User,
} from './browser.js';

// Two people in two browser profiles: a DM from the online list, messages both ways, typing, ✓ → ✓✓,
// notifications (badge, title, sound) and mute, text-only bodies, and "last seen" when one leaves.
describe('a direct conversation in the browser', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    [ana, bruno] = await Promise.all([
      openApp(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
    ]);
    await screenshot(ana.page, 'desktop-login');
    await loginQuick(ana);
  });

  it('opens a DM from the online list and exchanges messages with typing and read ticks', async () => {
    await screenshot(ana.page, 'desktop-empty');
    await openDmWith(ana, bruno);
    await header(ana.page).filter({ hasText: 'online' }).waitFor();

    // Bruno has not opened the chat: his device has Ana's message (grey ✓✓), and he sees an unread badge.
    await send(ana.page, 'Oi Bruno! Tudo bem?');
    await bubble(ana.page, 'Oi Bruno! Tudo bem?').locator('[data-state="delivered"]').waitFor();
    const row = chatRow(bruno.page, ana.name);
    await row.locator('.badge', { hasText: '1' }).waitFor();
    await row.locator('.chat-preview', { hasText: 'Oi Bruno! Tudo bem?' }).waitFor();

    // Bruno opens it: the read receipt turns Ana's ticks blue (✓✓).
    await row.click();
    await bubble(bruno.page, 'Oi Bruno! Tudo bem?').waitFor();
    await bruno.page.getByText('1 unread message').waitFor();
    await bubble(ana.page, 'Oi Bruno! Tudo bem?').locator('[data-state="read"]').waitFor();
    await row.locator('.badge').waitFor({ state: 'detached' });

    // Typing shows in Ana's header and her list, and goes when Bruno sends.
    await bruno.page.getByLabel('Type a message').pressSequentially('Tudo ótimo', { delay: 20 });
    await header(ana.page).filter({ hasText: 'typing…' }).waitFor();
    await chatRow(ana.page, bruno.name).locator('.chat-preview.typing').waitFor();
    await screenshot(ana.page, 'desktop-typing');
    await bruno.page.getByLabel('Type a message').pressSequentially(', e você?');
    await bruno.page.getByLabel('Type a message').press('Enter');
    await bubble(ana.page, 'Tudo ótimo, e você?').waitFor();
    await header(ana.page).filter({ hasText: 'online' }).waitFor();
    // Ana has the chat open and the tab visible: Bruno's message is read at once.
    await bubble(bruno.page, 'Tudo ótimo, e você?').locator('[data-state="read"]').waitFor();

    // Shift+Enter is a new line, Enter sends; own bubbles sit on the right.
    const box = ana.page.getByLabel('Type a message');
    await box.fill('Também!');
    await box.press('Shift+Enter');
    await box.pressSequentially('Vamos marcar um café amanhã?');
    await box.press('Enter');
    const multiline = bubble(ana.page, 'Vamos marcar um café amanhã?');
    expect(await multiline.locator('.body').textContent()).toBe('Também!\nVamos marcar um café amanhã?');
    expect(await multiline.getAttribute('data-own')).toBe('true');
    await bubble(bruno.page, 'Vamos marcar um café amanhã?').waitFor();
    expect(await bubble(bruno.page, 'Vamos marcar um café amanhã?').getAttribute('data-own')).toBe('false');
    await ana.page.getByRole('heading', { name: 'Today', level: 3 }).waitFor();
    await send(bruno.page, 'Bora! Às 10h na padaria da esquina? ☕');
    await bubble(ana.page, 'padaria da esquina').waitFor();
    await send(ana.page, 'Combinado. Levo o livro que te falei 📚');
    await bubble(ana.page, 'Levo o livro').locator('[data-state="read"]').waitFor();
    await screenshot(ana.page, 'desktop-conversation');
    await screenshot(bruno.page, 'desktop-conversation-peer');
  });

  it('renders HTML and script in a body as text', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    await send(ana.page, evil);
    const shown = bubble(bruno.page, '<script>window.__pwned=2</script>');
    await shown.waitFor();
    expect(await shown.locator('.body').textContent()).toBe(evil);
    expect(await shown.locator('.body img, .body script, .body b').count()).toBe(0);
    expect(await bruno.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('notifies of messages in chats that are not open (badge, title, sound), and not when muted', async () => {
    // Bruno goes back to his list; Ana writes.
    await bruno.page.getByRole('button', { name: 'Chat options' }).click();
    await bruno.page.getByRole('menuitem', { name: 'Close chat' }).click();
    const soundsBefore = await soundsPlayed(bruno.page);
    await send(ana.page, 'Está aí?');
    const row = chatRow(bruno.page, ana.name);
    await row.locator('.badge', { hasText: '1' }).waitFor();
    await bruno.page.waitForFunction(() => document.title === '(1) Papo');
    await bruno.page.waitForFunction((before) => {
      return (window as unknown as { __papoSounds: number }).__papoSounds / 2 > before;
    }, soundsBefore);

    // Muted: a grey badge, no title count, no sound.
    await row.click();
    await bruno.page.waitForFunction(() => document.title === 'Papo');
    await bruno.page.getByRole('button', { name: 'Chat options' }).click();
    await bruno.page.getByRole('menuitem', { name: 'Mute notifications: Always' }).click();
    await bruno.page.getByRole('img', { name: 'Muted' }).first().waitFor();
    await bruno.page.getByRole('button', { name: 'Chat options' }).click();
    await bruno.page.getByRole('menuitem', { name: 'Close chat' }).click();
    const mutedSounds = await soundsPlayed(bruno.page);
    await send(ana.page, 'Silêncio…');
    await row.locator('.badge.badge-muted', { hasText: '1' }).waitFor();
    await row.locator('.chat-preview', { hasText: 'Silêncio…' }).waitFor();
    expect(await bruno.page.title()).toBe('Papo');
    expect(await soundsPlayed(bruno.page)).toBe(mutedSounds);

    // Unmute again from the conversation's menu.
    await row.click();
    await bruno.page.getByRole('button', { name: 'Chat options' }).click();
    await bruno.page.getByRole('menuitem', { name: 'Unmute notifications' }).click();
    await row.locator('.muted-icon').waitFor({ state: 'detached' });
  });

  it('a phone-sized window shows the list and the conversation as separate screens', async () => {
    const carla = await openApp(browser, server.url, 'Carla Dias', PHONE);
    await screenshot(carla.page, 'phone-login');
    await loginQuick(carla);
    await openDmWith(carla, ana);
    await send(carla.page, 'Oi Ana, aqui é a Carla 👋');
    await bubble(carla.page, 'Oi Ana, aqui é a Carla').waitFor();
    await chatRow(ana.page, carla.name).click();
    await send(ana.page, 'Olá, Carla! Que bom te ver por aqui.');
    await bubble(carla.page, 'Que bom te ver por aqui').first().waitFor();
    await bubble(carla.page, 'Oi Ana, aqui é a Carla').locator('[data-state="read"]').waitFor();
    await send(carla.page, 'Você vai ao clube do livro no sábado?');
    await send(ana.page, 'Vou sim! Levo café e bolo de fubá ☕');
    await bubble(carla.page, 'bolo de fubá').waitFor();
    await send(carla.page, 'Perfeito 😄\nAté sábado, então!');
    await bubble(carla.page, 'Até sábado').locator('[data-state="read"]').waitFor();
    // The list is hidden while the conversation is open; the back arrow returns to it.
    expect(await carla.page.locator('.sidebar').isVisible()).toBe(false);
    await screenshot(carla.page, 'phone-conversation');
    await carla.page.getByRole('button', { name: 'Back to chats' }).click();
    await chatRow(carla.page, ana.name).waitFor();
    expect(await carla.page.locator('.conversation').count()).toBe(0);
    await screenshot(carla.page, 'phone-list');
    // The phone's own back button does the same.
    await chatRow(carla.page, ana.name).click();
    await carla.page.getByRole('heading', { name: ana.name, level: 2 }).waitFor();
    await carla.page.goBack();
    await carla.page.locator('.conversation').waitFor({ state: 'detached' });
    await chatRow(carla.page, ana.name).waitFor();
    await carla.context.close();
  });

  it('the server’s Content-Security-Policy blocked nothing while both logged in, chatted and were notified', async () => {
    // The page, its socket (connect-src 'self' covers ws: to the same host) and every chat above worked under it.
    expect(ana.cspViolations).toEqual([]);
    expect(bruno.cspViolations).toEqual([]);
    // And the policy is in force, and seen when broken: a request to another origin is blocked by connect-src.
    await ana.page.evaluate(() => fetch('https://elsewhere.example/').catch(() => undefined));
    await expect.poll(() => ana.cspViolations.some((v) => v.includes('elsewhere.example'))).toBe(true);
  });

  it('shows "last seen" when the other person leaves', async () => {
    await chatRow(ana.page, bruno.name).click();
    await header(ana.page).filter({ hasText: 'online' }).waitFor();
    await bruno.context.close();
    await header(ana.page).filter({ hasText: 'last seen just now' }).waitFor();
    await chatRow(ana.page, bruno.name).locator('.avatar-online').waitFor({ state: 'detached' });
    expect(ana.errors).toEqual([]);
  });
});

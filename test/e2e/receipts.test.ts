/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { axeViolations } from './axe.js';
import {
  bubble,
  chatRow,
  launchBrowser,
  newUser,
  openDmWith,
  PHONE,
  screenshot,
  send,
  startWebServer,
  type User,
  uniqueName,
} from './browser.js';
import { createGroup, messageAction, messageInfo, tickHistory, ticks, watchTicks } from './message-helpers.js';

/** A person's row in one of message info's lists ("read", "delivered", "pending"). */
function infoRow(user: User, owner: User, list: 'read' | 'delivered' | 'pending') {
  return messageInfo(owner.page).getByTestId(`receipts-${list}`).locator(`[data-user-id="${user.userId}"]`);
}

// Contract section 10 in the browser: ✓ stored → grey ✓✓ every other member's device has it → blue ✓✓ every
// other member read it, in a DM and in a group where one member reads later; message info's lists, live.
describe('ticks and message info in the browser', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;
  let carla: User;
  const title = uniqueName('Vizinhos');

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    [ana, bruno, carla] = await Promise.all([
      newUser(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
      newUser(browser, server.url, 'Carla Dias', PHONE),
    ]);
  });

  it('a DM: ✓ when stored, grey ✓✓ when Bruno’s device has it, blue ✓✓ when he reads it', async () => {
    await openDmWith(ana, bruno);
    const text = 'Chegou o pacote?';
    // The bubble does not exist yet: the observer starts now and sees it from its first state.
    await watchTicks(ana.page, text);
    await send(ana.page, text);
    // Bruno's app is open on the chat list: his device receives it, he has not read it.
    await chatRow(bruno.page, ana.name).locator('.badge', { hasText: '1' }).waitFor();
    await ticks(ana.page, text).and(ana.page.locator('[data-state="delivered"]')).waitFor();
    await ticks(ana.page, text).getByRole('img', { name: 'Delivered' }).waitFor();
    // Grey and blue are told apart by colour too (and both are 3:1 or more on the bubble).
    const grey = await ticks(ana.page, text).evaluate((el) => getComputedStyle(el).color);

    await chatRow(bruno.page, ana.name).click();
    await bubble(bruno.page, text).waitFor();
    await ticks(ana.page, text).and(ana.page.locator('[data-state="read"]')).waitFor();
    const blue = await ticks(ana.page, text).evaluate((el) => getComputedStyle(el).color);
    expect(grey).toBe('rgb(102, 119, 129)');
    expect(blue).toBe('rgb(2, 126, 181)');
    expect((await tickHistory(ana.page, text)).filter((s) => s !== 'pending')).toEqual(['sent', 'delivered', 'read']);

    // The chat list's last line carries the same ticks.
    await chatRow(ana.page, bruno.name).locator('[data-state="read"]').waitFor();

    // Message info in a DM: Bruno read it, with the time.
    await messageAction(ana.page, text, 'Info');
    await infoRow(bruno, ana, 'read')
      .getByText(/^Today \d\d:\d\d( [AP]M)?$/)
      .waitFor();
    expect(await axeViolations(ana.page)).toEqual([]);
    await ana.page.keyboard.press('Escape');
    await messageInfo(ana.page).waitFor({ state: 'detached' });
    // Focus is back on the bubble the info was for.
    expect(await ana.page.evaluate(() => document.activeElement?.closest('.message-row')?.textContent ?? '')).toContain(
      text,
    );
    expect([ana, bruno].flatMap((u) => u.errors)).toEqual([]);
  });

  it('a group: grey ✓✓ while Carla has not read it, blue ✓✓ when she does; message info updates live', async () => {
    // Carla becomes Ana's contact (a DM), then Ana makes the group.
    await openDmWith(ana, carla);
    await send(ana.page, 'Oi Carla');
    await createGroup(ana, title, [bruno, carla]);
    const text = 'Reunião às 19h';
    await watchTicks(ana.page, text);
    await send(ana.page, text);
    // Both devices have it (the app is open on each): grey ✓✓.
    await ticks(ana.page, text).and(ana.page.locator('[data-state="delivered"]')).waitFor();

    // Bruno reads it; Carla does not yet: still grey.
    await chatRow(bruno.page, title).click();
    await bubble(bruno.page, text).waitFor();

    // Ana opens the message's info from its menu, by keyboard: the bubble is focusable, Enter opens the menu.
    await bubble(ana.page, text).locator('.bubble').focus();
    await ana.page.keyboard.press('Enter');
    const menu = ana.page.getByRole('menu', { name: 'Message options' });
    await menu.waitFor();
    expect(await axeViolations(ana.page)).toEqual([]);
    await ana.page.keyboard.press('End');
    await expect.poll(() => ana.page.evaluate(() => document.activeElement?.textContent)).toBe('Info');
    await ana.page.keyboard.press('Enter');
    await infoRow(bruno, ana, 'read').waitFor();
    await infoRow(carla, ana, 'delivered').waitFor();
    expect(await ticks(ana.page, text).getAttribute('data-state')).toBe('delivered');
    expect(await axeViolations(ana.page)).toEqual([]);

    // Carla (on a phone) opens the group later: blue ✓✓, and the open info moves her to "Read by" by itself.
    await chatRow(carla.page, title).click();
    await bubble(carla.page, text).waitFor();
    await infoRow(carla, ana, 'read').waitFor();
    await ticks(ana.page, text).and(ana.page.locator('[data-state="read"]')).waitFor();
    expect(await messageInfo(ana.page).getByTestId('receipts-delivered').count()).toBe(0);
    expect((await tickHistory(ana.page, text)).filter((s) => s !== 'pending')).toEqual(['sent', 'delivered', 'read']);
    await screenshot(ana.page, 'desktop-message-info');

    // A member's message: Carla (no admin) has no Info on Ana's message, only on her own.
    await send(carla.page, 'Vou sim!');
    await bubble(carla.page, 'Vou sim!').locator('.bubble').click({ button: 'right' });
    const carlaMenu = carla.page.getByRole('menu', { name: 'Message options' });
    await carlaMenu.getByRole('menuitem', { name: 'Info', exact: true }).waitFor();
    expect(await axeViolations(carla.page)).toEqual([]);
    await screenshot(carla.page, 'phone-message-menu');
    await carla.page.keyboard.press('Escape');
    await carlaMenu.waitFor({ state: 'detached' });
    await bubble(carla.page, text).locator('.bubble').click({ button: 'right' });
    await carlaMenu.getByRole('menuitem', { name: 'Reply', exact: true }).waitFor();
    expect(await carlaMenu.getByRole('menuitem', { name: 'Info', exact: true }).count()).toBe(0);
    await carla.page.keyboard.press('Escape');

    // The phone layout of message info: a screen of its own over the conversation.
    await messageAction(carla.page, 'Vou sim!', 'Info');
    await messageInfo(carla.page).getByTestId('receipts-read').waitFor();
    await screenshot(carla.page, 'phone-message-info');
    await carla.page.getByRole('button', { name: 'Close message info' }).click();
    expect([ana, bruno, carla].flatMap((u) => u.errors)).toEqual([]);
  });

  it('a recipient whose app was closed: ✓ meanwhile, grey ✓✓ as soon as it opens again (before any read)', async () => {
    await chatRow(ana.page, bruno.name).click();
    await bruno.page.close();
    const text = 'Me liga quando puder';
    await send(ana.page, text);
    await ticks(ana.page, text).and(ana.page.locator('[data-state="sent"]')).waitFor();
    // Bruno opens the app again (the chat list only): his device has the message now.
    bruno.page = await bruno.context.newPage();
    await bruno.page.goto('/');
    await chatRow(bruno.page, ana.name).locator('.badge').waitFor();
    await ticks(ana.page, text).and(ana.page.locator('[data-state="delivered"]')).waitFor();
    expect([ana, bruno].flatMap((u) => u.errors)).toEqual([]);
  });
});

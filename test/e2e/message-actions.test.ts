/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
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
import { createGroup, messageAction, openMessageMenu } from './message-helpers.js';

/** Sends `count` numbered messages, and waits for the last one's bubble. */
async function sendMany(page: Page, count: number, prefix: string): Promise<void> {
  for (let i = 1; i <= count; i++) await send(page, `${prefix} ${i}`);
  await bubble(page, `${prefix} ${count}`).waitFor();
}

function menu(page: Page) {
  return page.getByRole('menu', { name: 'Message options' });
}

// Contract section 11 in the browser, three people (Carla on a phone) in a group and DMs: reply (and the quote
// that brings an old message into view), reactions, edit, delete for everyone, forward, @mentions.
describe('message actions in the browser', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;
  let carla: User;
  const title = uniqueName('Churrasco');
  const original = 'Quem traz o carvão?';

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      // Some tests send dozens of messages in a few seconds.
      startWebServer({ env: { RATE_LIMIT_MESSAGES: '500' } }),
      launchBrowser(),
    ]);
    [ana, bruno, carla] = await Promise.all([
      newUser(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
      newUser(browser, server.url, 'Carla Dias', PHONE),
    ]);
    for (const peer of [bruno, carla]) {
      await openDmWith(ana, peer);
      await send(ana.page, `Oi ${peer.name}!`);
    }
    await createGroup(ana, title, [bruno, carla]);
    await chatRow(bruno.page, title).click();
    // Carla has read the group so far (so no "unread" line starts her view at the oldest unread later).
    await chatRow(carla.page, title).click();
    await carla.page.getByRole('button', { name: 'Back to chats' }).click();
  });

  it('reply: the quoted bar, the quote in the bubble; clicking it loads older pages and highlights the original', async () => {
    await send(ana.page, original);
    // More than the offline cache keeps of a chat (its newest 50): a reload does not hold the original.
    await sendMany(ana.page, 60, 'Lista');
    await bubble(bruno.page, 'Lista 60').waitFor();

    // Bruno answers the first one: Reply from its menu, the bar over the box, Escape cancels, Reply again.
    await messageAction(bruno.page, original, 'Reply');
    const bar = bruno.page.getByTestId('compose-bar');
    await bar.getByText('Replying to Ana Souza').waitFor();
    await bruno.page.getByLabel('Type a message').press('Escape');
    await bar.waitFor({ state: 'detached' });
    await messageAction(bruno.page, original, 'Reply');
    await bar.getByText(original).waitFor();
    await screenshot(bruno.page, 'desktop-reply-bar');
    await send(bruno.page, 'Eu levo!');
    await bar.waitFor({ state: 'detached' });
    const reply = bubble(ana.page, 'Eu levo!');
    await reply.getByRole('button', { name: `In reply to You ${original}` }).waitFor();

    // Carla opens the group on her phone after a reload: only the newest messages are there (the offline
    // cache's); the quote brings the original in.
    await carla.page.reload();
    await chatRow(carla.page, title).click();
    const quote = bubble(carla.page, 'Eu levo!').locator('.quote');
    await quote.getByText('Ana Souza').waitFor();
    expect(await bubble(carla.page, original).count()).toBe(0);
    await quote.click();
    await carla.page.locator('.message-row.highlighted').filter({ hasText: original }).waitFor();
    await expect
      .poll(() =>
        bubble(carla.page, original)
          .locator('.bubble')
          .evaluate((el) => el === document.activeElement),
      )
      .toBe(true);
    expect([ana, bruno, carla].flatMap((u) => u.errors)).toEqual([]);
  });

  it('reactions: the bar, chips on everyone’s screen, who reacted, taking one back', async () => {
    // Carla (phone) reacts ❤️ from the menu's bar; Bruno 👍; Ana sees both chips under her message.
    await bubble(carla.page, original).locator('.bubble').click({ button: 'right' });
    await menu(carla.page).getByRole('menuitem', { name: 'React with ❤️' }).click();
    await openMessageMenu(bruno.page, original);
    // "+" opens more emoji.
    await menu(bruno.page).getByRole('menuitem', { name: 'More reactions' }).click();
    await menu(bruno.page).getByRole('menuitem', { name: 'React with 🔥' }).click();
    const chips = bubble(ana.page, original).locator('.reactions');
    await chips.getByRole('button', { name: '❤️ 1: see who reacted' }).waitFor();
    await chips.getByRole('button', { name: '🔥 1: see who reacted' }).waitFor();
    await bubble(ana.page, original).scrollIntoViewIfNeeded();

    // Ana's menu with its reaction bar, for the screenshot.
    await openMessageMenu(ana.page, 'Eu levo!');
    expect(await axeViolations(ana.page)).toEqual([]);
    await screenshot(ana.page, 'desktop-message-actions');
    await ana.page.keyboard.press('Escape');

    // Who reacted: Ana clicks a chip.
    await chips.getByRole('button', { name: '❤️ 1: see who reacted' }).click();
    const list = ana.page.getByRole('dialog', { name: 'Reactions (2)' });
    await list.locator(`[data-user-id="${carla.userId}"]`).getByRole('img', { name: 'reacted with ❤️' }).waitFor();
    await list.locator(`[data-user-id="${bruno.userId}"]`).getByRole('img', { name: 'reacted with 🔥' }).waitFor();
    expect(await axeViolations(ana.page)).toEqual([]);
    await screenshot(ana.page, 'desktop-reactions-list');
    await ana.page.keyboard.press('Escape');
    await list.waitFor({ state: 'detached' });
    // Carla laughs at Bruno's reply: a reply with its quote and a reaction, for the screenshot.
    await bubble(carla.page, 'Eu levo!').locator('.bubble').click({ button: 'right' });
    await menu(carla.page).getByRole('menuitem', { name: 'React with 😂' }).click();
    await bubble(ana.page, 'Eu levo!').getByRole('button', { name: '😂 1: see who reacted' }).waitFor();
    await ana.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await ana.page.getByRole('button', { name: 'Scroll to the newest message' }).click();
    await ana.page.mouse.move(700, 20);
    await screenshot(ana.page, 'desktop-reply-react');

    // Carla takes hers back by clicking her own chip.
    await bubble(carla.page, original)
      .getByRole('button', { name: '❤️ 1, including you: remove your reaction' })
      .click();
    await chips.getByRole('button', { name: /^❤️/ }).waitFor({ state: 'detached' });
    await chips.getByRole('button', { name: '🔥 1: see who reacted' }).waitFor();
    expect([ana, bruno, carla].flatMap((u) => u.errors)).toEqual([]);
  });

  it('touch: a long press opens the menu, a swipe to the right answers the message', async () => {
    const target = bubble(carla.page, 'Eu levo!').locator('.bubble');
    await target.scrollIntoViewIfNeeded();
    const box = (await target.boundingBox())!;
    const at = { pointerType: 'touch', isPrimary: true, clientX: box.x + 20, clientY: box.y + 10 };
    await target.dispatchEvent('pointerdown', at);
    // Held: the menu opens by itself once the finger has rested long enough.
    await menu(carla.page).waitFor();
    await target.dispatchEvent('pointerup', at);
    await carla.page.keyboard.press('Escape');
    await menu(carla.page).waitFor({ state: 'detached' });

    await target.dispatchEvent('pointerdown', at);
    await target.dispatchEvent('pointermove', { ...at, clientX: at.clientX + 50 });
    await target.dispatchEvent('pointerup', { ...at, clientX: at.clientX + 100, clientY: at.clientY + 5 });
    const bar = carla.page.getByTestId('compose-bar');
    await bar.getByText('Replying to Bruno Lima').waitFor();
    expect(await menu(carla.page).count()).toBe(0);
    await carla.page.getByRole('button', { name: 'Cancel reply' }).click();
    await bar.waitFor({ state: 'detached' });
  });

  it('edit: the text in the box with an "Editing" bar, Enter saves, "edited" on everyone’s bubble', async () => {
    await send(ana.page, 'Chegamos às 20h');
    await bubble(bruno.page, 'Chegamos às 20h').waitFor();
    // By keyboard: ↑ moves from bubble to bubble, the menu key opens a bubble's menu, Escape gives focus back.
    const focused = () =>
      ana.page.evaluate(() => document.activeElement?.closest('.message-row')?.querySelector('.body')?.textContent);
    await bubble(ana.page, 'Chegamos às 20h').locator('.bubble').focus();
    await ana.page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('Eu levo!');
    await ana.page.keyboard.press('ContextMenu');
    await menu(ana.page).getByRole('menuitem', { name: 'React with 👍' }).waitFor();
    await expect
      .poll(() => ana.page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('React with 👍');
    await ana.page.keyboard.press('Escape');
    await menu(ana.page).waitFor({ state: 'detached' });
    expect(await focused()).toBe('Eu levo!');
    await messageAction(ana.page, 'Chegamos às 20h', 'Edit');
    await ana.page.getByTestId('compose-bar').getByText('Editing').waitFor();
    await screenshot(ana.page, 'desktop-edit-bar');
    const box = ana.page.getByLabel('Type a message');
    expect(await box.inputValue()).toBe('Chegamos às 20h');
    await box.fill('Chegamos às 21h');
    await box.press('Enter');
    await bubble(bruno.page, 'Chegamos às 21h').locator('.edited-label', { hasText: 'edited' }).waitFor();
    await bubble(ana.page, 'Chegamos às 21h').locator('.edited-label').waitFor();
    expect(await bubble(bruno.page, 'Chegamos às 20h').count()).toBe(0);
    expect(await box.inputValue()).toBe('');
    // Someone else's message has no Edit.
    await openMessageMenu(ana.page, 'Eu levo!');
    expect(await menu(ana.page).getByRole('menuitem', { name: 'Edit', exact: true }).count()).toBe(0);
    await ana.page.keyboard.press('Escape');
  });

  it('delete for everyone: confirmed first; the others see "This message was deleted"', async () => {
    await send(ana.page, 'Mensagem errada');
    await bubble(bruno.page, 'Mensagem errada').waitFor();
    await messageAction(ana.page, 'Mensagem errada', 'Delete');
    const dialog = ana.page.getByRole('alertdialog', { name: 'Delete for everyone?' });
    expect(await axeViolations(ana.page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click();
    await dialog.waitFor({ state: 'detached' });
    await ana.page.locator('.message-row.own .deleted-body', { hasText: 'You deleted this message' }).waitFor();
    await bruno.page.locator('.message-row.other .deleted-body', { hasText: 'This message was deleted' }).waitFor();
    await carla.page.locator('.deleted-body', { hasText: 'This message was deleted' }).waitFor();
    await screenshot(carla.page, 'phone-deleted');
    expect(await bubble(bruno.page, 'Mensagem errada').count()).toBe(0);
  });

  it('forward: a picker of chats searched by title; the copy says "Forwarded"', async () => {
    await openMessageMenu(bruno.page, 'Chegamos às 21h');
    await menu(bruno.page).getByRole('menuitem', { name: 'Forward', exact: true }).click();
    const picker = bruno.page.getByRole('dialog', { name: 'Forward message to' });
    await picker.getByLabel('Search chats').fill('Ana');
    await picker.locator('.pick-row', { hasText: 'Ana Souza' }).click();
    await picker.getByText('1 of 5 selected').waitFor();
    expect(await axeViolations(bruno.page)).toEqual([]);
    await screenshot(bruno.page, 'desktop-forward');
    await picker.getByRole('button', { name: 'Forward', exact: true }).click();
    // Forwarding to one chat opens it.
    await bruno.page.getByRole('heading', { name: 'Ana Souza', level: 2 }).waitFor();
    await bubble(bruno.page, 'Chegamos às 21h').locator('.forwarded-label', { hasText: 'Forwarded' }).waitFor();
    await chatRow(ana.page, bruno.name).click();
    await bubble(ana.page, 'Chegamos às 21h').locator('.forwarded-label', { hasText: 'Forwarded' }).waitFor();
    await chatRow(ana.page, title).click();
  });

  it('@mention: the members as one types "@", the mention highlighted, "@" in the list of the one mentioned', async () => {
    // Bruno is in his DM with Ana now: the group is in his list, not in front of him.
    const box = carla.page.getByLabel('Type a message');
    await box.pressSequentially('Combinado @Br', { delay: 20 });
    const options = carla.page.getByRole('listbox', { name: 'Members to mention' });
    await options.getByRole('option', { name: 'Bruno Lima' }).waitFor();
    expect(await options.getByRole('option').count()).toBe(1);
    expect(await axeViolations(carla.page)).toEqual([]);
    await screenshot(carla.page, 'phone-mention');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('Combinado @Bruno Lima ');
    await box.pressSequentially('traz o gelo?', { delay: 10 });
    await box.press('Enter');
    await bubble(ana.page, 'Combinado @Bruno Lima traz o gelo?')
      .locator('.mention', { hasText: '@Bruno Lima' })
      .waitFor();
    const row = chatRow(bruno.page, title);
    await row.getByTestId('mention-marker').waitFor();
    await row.click();
    await bubble(bruno.page, 'Combinado @Bruno Lima traz o gelo?').locator('.mention').waitFor();
    await row.getByTestId('mention-marker').waitFor({ state: 'detached' });
    expect([ana, bruno, carla].flatMap((u) => u.errors)).toEqual([]);
  });
});

/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { bubble, type User } from './browser.js';

/** Ana makes a group of her contacts `members` (each shares a DM with her) and it opens. */
export async function createGroup(owner: User, title: string, members: User[]): Promise<void> {
  const page = owner.page;
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByRole('button', { name: 'New group' }).click();
  for (const member of members) await page.locator(`.pick-row[data-user-id="${member.userId}"]`).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Group name').fill(title);
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('heading', { name: title, level: 2 }).waitFor();
}

/** The ticks of an own message's bubble. */
export function ticks(page: Page, text: string) {
  return bubble(page, text).locator('.ticks');
}

/**
 * Records every state the ticks of the bubble with this text go through (a MutationObserver in the page), so a
 * test can check ✓ → grey ✓✓ → blue ✓✓ in order however fast they pass. Read with `tickHistory`.
 */
export async function watchTicks(page: Page, text: string): Promise<void> {
  await page.evaluate((body) => {
    const w = window as unknown as { __ticks?: Record<string, string[]> };
    w.__ticks ??= {};
    const seen: string[] = [];
    w.__ticks[body] = seen;
    const look = () => {
      for (const row of Array.from(document.querySelectorAll('.message-row'))) {
        if (row.querySelector('.body')?.textContent !== body) continue;
        const state = row.querySelector('.ticks')?.getAttribute('data-state');
        if (state && seen.at(-1) !== state) seen.push(state);
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
    look();
  }, text);
}

export async function tickHistory(page: Page, text: string): Promise<string[]> {
  return page.evaluate(
    (body) => (window as unknown as { __ticks?: Record<string, string[]> }).__ticks?.[body] ?? [],
    text,
  );
}

/** Opens a bubble's menu with the mouse (hover, then its "⌄"). */
export async function openMessageMenu(page: Page, text: string): Promise<void> {
  const target = bubble(page, text).locator('.bubble');
  await target.hover();
  await target.getByRole('button', { name: 'Message options' }).click();
  await page.getByRole('menu', { name: 'Message options' }).waitFor();
}

/** Picks an item of the open message menu. */
export async function messageAction(page: Page, text: string, item: string): Promise<void> {
  await openMessageMenu(page, text);
  await page.getByRole('menu', { name: 'Message options' }).getByRole('menuitem', { name: item, exact: true }).click();
}

/** The message info drawer. */
export function messageInfo(page: Page) {
  return page.getByRole('complementary', { name: 'Message info' });
}

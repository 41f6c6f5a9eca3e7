/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { chatRow, launchBrowser, newUser, openDmWith, screenshot, send, startWebServer, type User } from './browser.js';

/** The body of the message whose whole text is `text` (no other message's body merely containing it). */
function body(page: Page, text: string) {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'u');
  return page.locator('.message-row .body').filter({ hasText: exact });
}

async function fontSizePx(page: Page, text: string): Promise<number> {
  return body(page, text).evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
}

// What a message's text becomes on screen: links (safe schemes only), "Read more" for long bodies, and
// large emoji when a body is one to three emoji. Checked on the receiver's screen.
describe('message text in the browser', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer({ env: { RATE_LIMIT_MESSAGES: '1000' } }), launchBrowser()]);
    [ana, bruno] = await Promise.all([
      newUser(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
    ]);
    await openDmWith(ana, bruno);
    await send(ana.page, 'Oi!');
    await chatRow(bruno.page, ana.name).click();
    await body(bruno.page, 'Oi!').waitFor();
  });

  it('makes URLs and e-mail addresses links, and leaves a javascript: text as text', async () => {
    const text =
      'Veja https://example.com/a?b=1 ou www.example.org, escreva a ana@example.com; javascript:alert(1) não';
    await send(ana.page, text);
    const bubble = body(bruno.page, text);
    await bubble.waitFor();

    const link = bubble.locator('a[href="https://example.com/a?b=1"]');
    await expect(link.textContent()).resolves.toBe('https://example.com/a?b=1');
    await expect(link.getAttribute('target')).resolves.toBe('_blank');
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer nofollow');
    await expect(bubble.locator('a[href="https://www.example.org"]').count()).resolves.toBe(1);
    await expect(bubble.locator('a[href="mailto:ana@example.com"]').count()).resolves.toBe(1);

    // Exactly those three: nothing of "javascript:alert(1)" is a link.
    const hrefs = await bubble.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['https://example.com/a?b=1', 'https://www.example.org', 'mailto:ana@example.com']);
    await expect(bruno.page.locator('.messages-scroll a[href^="javascript:" i]').count()).resolves.toBe(0);
  });

  it('a javascript: body alone is plain text', async () => {
    await send(ana.page, 'javascript:alert(1)');
    const bubble = body(bruno.page, 'javascript:alert(1)');
    await bubble.waitFor();
    await expect(bubble.locator('a').count()).resolves.toBe(0);
  });

  it('folds a long message behind "Read more", which expands it in place', async () => {
    const start = 'Começo da história.';
    const end = 'FIM-DA-HISTÓRIA';
    const long = `${start} ${'uma palavra qualquer '.repeat(45)}${end}`;
    expect(long.length).toBeGreaterThan(900);
    await send(ana.page, long);
    const row = bruno.page.locator('.message-row').filter({ hasText: start });
    const more = row.getByRole('button', { name: 'Read more' });
    await more.waitFor();
    // Folded: the end is not on screen yet.
    await expect(row.textContent()).resolves.not.toContain(end);
    await screenshot(bruno.page, 'message-read-more');
    await more.click();
    await row.getByText(end).waitFor();
    await expect(more.count()).resolves.toBe(0);
    await expect(row.locator('.body').textContent()).resolves.toBe(long);
    // A short message has no such button.
    await expect(
      bruno.page.locator('.message-row').filter({ hasText: 'Oi!' }).getByRole('button', { name: 'Read more' }).count(),
    ).resolves.toBe(0);
  });

  it('shows one to three emoji alone large, and not four, nor emoji with text', async () => {
    for (const text of ['👍', '😀😀😀', '😀😀😀😀', 'hi 😀']) await send(ana.page, text);
    await body(bruno.page, 'hi 😀').waitFor();
    const normal = await fontSizePx(bruno.page, 'Oi!');

    for (const big of ['👍', '😀😀😀']) {
      await expect(body(bruno.page, big).getAttribute('class')).resolves.toContain('big-emoji');
      expect(await fontSizePx(bruno.page, big)).toBeGreaterThan(normal * 2);
    }
    for (const small of ['😀😀😀😀', 'hi 😀']) {
      await expect(body(bruno.page, small).getAttribute('class')).resolves.not.toContain('big-emoji');
      expect(await fontSizePx(bruno.page, small)).toBe(normal);
    }
    await screenshot(bruno.page, 'message-emoji');
    expect([...ana.errors, ...bruno.errors, ...ana.cspViolations, ...bruno.cspViolations]).toEqual([]);
  });
});

/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniq } from '../helpers/http.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { connectAuthed, connectWithToken } from '../helpers/session.js';
import { launchBrowser, newUser, screenshot, startWebServer } from './browser.js';

// The chat list and the public directory come from the server in pages (issue 16): the web client must show
// them all, not the first page's.

const CHATS = 230;

describe('the web client pages through long lists', { timeout: 90_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      // A key prefix of its own: the directory holds this file's chats only.
      startWebServer({
        env: { REDIS_KEY_PREFIX: `${uniq('e2epg')}:`, CHATS_PER_HOUR: '100000', MEMBERSHIP_CHANGES_PER_HOUR: '100000' },
      }),
      launchBrowser(),
    ]);
  });

  it(`a user in ${CHATS} chats sees them all; the directory shows more on request`, async () => {
    const bot = await connectAuthed(server, 'Bot');
    const titles = Array.from({ length: CHATS }, (_, i) => `Sala ${String(i + 1).padStart(3, '0')}`);
    const chatIds: string[] = [];
    for (const title of titles) {
      const reply = await bot.client.request('create_public_chat', { title });
      chatIds.push(reply.chat_id as string);
    }

    const ana = await newUser(browser, server.url, 'Ana');
    const token = await ana.page.evaluate(
      () => (JSON.parse(localStorage.getItem('papo:session') ?? '{}') as { token?: string }).token ?? '',
    );
    const client = await connectWithToken(server, token);
    for (const chatId of chatIds) {
      const reply = await client.request('join_chat', { chat_id: chatId });
      expect(reply.type).toBe('joined');
    }
    // The list as a fresh start loads it: page after page, every chat in the end.
    await ana.page.reload();
    await expect.poll(() => ana.page.locator('button.chat-row').count(), { timeout: 20_000 }).toBe(CHATS);
    await expect.poll(() => ana.page.getByText('Loading more chats…').count()).toBe(0);

    await ana.page.getByRole('button', { name: 'Public chats' }).click();
    const rows = ana.page.locator('.directory-row');
    await expect.poll(() => rows.count()).toBe(100);
    // The newest 100 (the directory then sorts what it holds by members and title).
    const shown = await rows.locator('.chat-title').allTextContents();
    expect(new Set(shown)).toEqual(new Set(titles.slice(-100)));
    const more = ana.page.getByRole('button', { name: 'Show more chats' });
    await more.click();
    await expect.poll(() => rows.count()).toBe(200);
    await more.click();
    await expect.poll(() => rows.count()).toBe(CHATS);
    await expect.poll(() => more.count()).toBe(0);
    expect(new Set(await rows.locator('.chat-title').allTextContents())).toEqual(new Set(titles));
    await screenshot(ana.page, 'desktop-directory-pages');
    expect(ana.errors).toEqual([]);
  });
});

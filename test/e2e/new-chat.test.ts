/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm } from '../helpers/chat-actions.js';
import { api, uniq } from '../helpers/http.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { axeViolations } from './axe.js';
import { launchBrowser, newUser, openDmWith, screenshot, send, startWebServer, type User } from './browser.js';

// "New chat" lists the people one shares a chat with (GET /api/contacts), online or not, online first, with
// their last seen; then the others online now, so a first run still finds someone.
describe('the "New chat" drawer in the browser', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    [ana, bruno] = await Promise.all([
      newUser(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
    ]);
  });

  it('lists contacts online first, offline ones with last seen, and the others online after them', async () => {
    // Bruno is a contact once they share a DM; he then leaves. Carla, online, shares nothing with Ana.
    await openDmWith(ana, bruno);
    await send(ana.page, 'Oi Bruno!');
    await bruno.page.locator('.chat-row').first().waitFor();
    await bruno.context.close();
    const carla = await connectAuthed(server, 'Carla Dias');
    // Zeca, online, has a DM with Ana made elsewhere (another device's action).
    const zeca = await connectAuthed(server, 'Zeca Pagodinho');
    await createDm(zeca.client, ana.userId);

    await ana.page.getByRole('button', { name: 'New chat' }).click();
    const contacts = ana.page.locator('.contacts-list .person-row');
    const others = ana.page.locator('.others-online .person-row');
    await contacts.filter({ hasText: 'Bruno Lima' }).filter({ hasText: 'last seen' }).waitFor();
    await contacts.filter({ hasText: 'Zeca Pagodinho' }).filter({ hasText: 'online' }).waitFor();
    await others.and(ana.page.locator(`[data-user-id="${carla.userId}"]`)).waitFor();
    await screenshot(ana.page, 'new-chat-contacts');

    // Online first: Zeca above Bruno; nobody twice, and not Ana herself.
    const ids = await contacts.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-user-id')));
    expect(ids).toEqual([zeca.userId, bruno.userId]);
    await expect(others.and(ana.page.locator(`[data-user-id="${zeca.userId}"]`)).count()).resolves.toBe(0);
    await expect(ana.page.locator(`.person-row[data-user-id="${ana.userId}"]`).count()).resolves.toBe(0);

    // Presence follows live: Zeca leaving moves him under Bruno, with his last seen.
    await zeca.client.close();
    await contacts.filter({ hasText: 'Zeca Pagodinho' }).filter({ hasText: 'last seen' }).waitFor();
    await ana.page.waitForFunction(
      (id) => document.querySelector('.contacts-list li:last-child .person-row')?.getAttribute('data-user-id') === id,
      zeca.userId,
    );

    // Picking a contact opens the DM.
    await contacts.filter({ hasText: 'Bruno Lima' }).click();
    await ana.page.getByRole('heading', { name: 'Bruno Lima', level: 2 }).waitFor();
    expect(ana.errors).toEqual([]);
  });

  it('finds someone who shares nothing by their exact e-mail, offline too, and opens the DM', async () => {
    const email = `${uniq('dora')}@example.com`;
    const asked = await api(server.url, '/api/login/code', { body: { email } });
    const verified = await api(server.url, '/api/login/verify', {
      body: { email, code: asked.body.dev_code, challenge_id: asked.body.challenge_id, username: 'Dora Offline' },
    });
    expect(verified.status).toBe(200);

    const page = ana.page;
    await page.getByRole('button', { name: 'New chat' }).click();
    const search = page.getByRole('searchbox');
    await search.fill(email.replace('dora', 'dor'));
    await page.getByRole('button', { name: `Find ${email.replace('dora', 'dor')}` }).click();
    await page.getByText(`Nobody logs in to Papo with ${email.replace('dora', 'dor')}.`).waitFor();
    await search.fill(email.toUpperCase());
    await page.getByRole('button', { name: `Find ${email.toUpperCase()}` }).click();
    await page.getByRole('heading', { name: 'Found' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'new-chat-found');
    await page.locator(`.person-row[data-user-id="${verified.body.user_id}"]`).click();
    await page.getByRole('heading', { name: 'Dora Offline', level: 2 }).waitFor();
    expect(ana.errors).toEqual([]);
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { launchBrowser, PHONE, screenshot, startWebServer } from './browser.js';

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
});
afterAll(() => server.stop());

/**
 * What a phone paints from the HTML and the stylesheet alone, before the script has run (Lighthouse's first
 * contentful paint on the login page): the login page's green band with the logo and the name, and, with
 * JavaScript off, a line saying it is needed. Once the script runs, the app replaces it.
 */
describe('the first paint, before the script', () => {
  it('shows the brand band without JavaScript, and says JavaScript is needed', async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url);
    await expect.poll(() => page.locator('.login-brand').textContent()).toContain('Papo');
    const band = await page.locator('.login-page').evaluate((el) => getComputedStyle(el).backgroundImage);
    expect(band).toContain('linear-gradient');
    expect(await page.locator('noscript').textContent()).toContain('needs JavaScript');
    await screenshot(page, 'first-paint-no-js');
    await context.close();
  });

  it('is dark from the first paint on a dark system, before the script sets the theme', async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(server.url);
    const band = await page.locator('.login-page').evaluate((el) => getComputedStyle(el).backgroundImage);
    // The green band, then the dark panel (#202c33) below it, not the light one.
    expect(band).toContain('rgb(32, 44, 51)');
    await context.close();
  });

  it('is replaced by the login screen once the script runs', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await page.locator('.login-page').count()).toBe(1);
    expect(await page.locator('[aria-busy="true"]').count()).toBe(0);
    await context.close();
  });
});

/// <reference lib="dom" />
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { browserProblem, chromiumPath } from '../../scripts/chromium.mjs';
import { REPO_ROOT, type ServerOptions, type ServerProcess, startServer } from '../helpers/server-process.js';
import { onTeardown } from '../helpers/teardown.js';

/**
 * Browser end-to-end helpers: Debian's Chromium driven by playwright-core, the real server serving the built
 * web client. Waits are on page state (locators), never on sleeps.
 */

export const WEB_DIST = resolve(REPO_ROOT, 'packages/web/dist');
export const SCREENSHOTS = resolve(REPO_ROOT, 'test-results/e2e');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** The server, told where the built web client is. */
export async function startWebServer(options: ServerOptions = {}): Promise<ServerProcess> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html does not exist: run \`npm run build\` first`);
  }
  return startServer({ ...options, env: { WEB_DIR: WEB_DIST, ...options.env } });
}

/**
 * Chromium's own microphone and camera, a generated tone, granted without asking (`launchBrowser`'s
 * `extraArgs`, for voice notes).
 */
export const FAKE_MEDIA_DEVICES = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/** One Chromium for the file, closed after it. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const problem = browserProblem();
  if (problem) {
    // One line, not a stack: what to install is all there is to say.
    const err = new Error(problem);
    err.stack = `Error: ${problem}`;
    throw err;
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The notification sound is checked by counting WebAudio oscillators.
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
  });
  onTeardown(() => browser.close());
  return browser;
}

/**
 * A Chromium with a profile on disk, closed (and the profile deleted) after the file: installable and allowed
 * push, which an incognito context (`newContext`) never is. `initScripts` run in every page before its own.
 */
export async function persistentApp(
  baseUrl: string,
  initScripts: Array<Parameters<BrowserContext['addInitScript']>[0]> = [],
): Promise<{ context: BrowserContext; page: Page }> {
  const problem = browserProblem();
  if (problem) throw new Error(problem);
  const profile = mkdtempSync(join(tmpdir(), 'papo-pwa-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'],
    baseURL: baseUrl,
    viewport: DESKTOP,
    locale: 'en-US',
    reducedMotion: 'reduce',
  });
  onTeardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  context.setDefaultTimeout(15_000);
  for (const script of initScripts) await context.addInitScript(script);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

export type User = {
  name: string;
  page: Page;
  context: BrowserContext;
  errors: string[];
  /** What the page's Content-Security-Policy blocked (the server's headers), and console errors saying so. */
  cspViolations: string[];
  userId: string;
};

/**
 * A person with their own browser profile (a context: own localStorage), on the app. The page counts the
 * notification sounds it plays in `window.__papoSounds` (two oscillators per sound), and reports every
 * `securitypolicyviolation` event to `cspViolations`.
 */
export async function openApp(
  browser: Browser,
  baseUrl: string,
  name: string,
  viewport: { width: number; height: number } = DESKTOP,
  locale = 'en-US',
): Promise<User> {
  const context = await browser.newContext({ viewport, locale, baseURL: baseUrl, reducedMotion: 'reduce' });
  context.setDefaultTimeout(15_000);
  const cspViolations: string[] = [];
  await context.exposeBinding('__papoCspViolation', (_source, text: string) => {
    cspViolations.push(text);
  });
  await context.addInitScript(() => {
    const report = (window as unknown as { __papoCspViolation: (text: string) => void }).__papoCspViolation;
    document.addEventListener('securitypolicyviolation', (e) =>
      report(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
  await context.addInitScript(() => {
    const w = window as unknown as { __papoSounds: number };
    w.__papoSounds = 0;
    const original = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      w.__papoSounds++;
      return original.call(this);
    };
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      cspViolations.push(message.text());
  });
  await page.goto('/');
  return { name, page, context, errors, cspViolations, userId: '' };
}

/** Log in with the quick temporary account form and wait for the chat list. */
export async function loginQuick(user: User): Promise<void> {
  await user.page.getByLabel('Your name').fill(user.name);
  await user.page.getByRole('button', { name: 'Start chatting' }).click();
  await user.page.getByRole('button', { name: 'New chat' }).waitFor();
  user.userId = await sessionUserId(user.page);
}

/** The logged-in user's id, from the session the SDK keeps in localStorage. */
export async function sessionUserId(page: Page): Promise<string> {
  const raw = await page.evaluate(() => localStorage.getItem('papo:session'));
  return (JSON.parse(raw ?? '{}') as { user_id?: string }).user_id ?? '';
}

/**
 * Open the DM with `peer` from the "New chat" list of people online. Test files share one Redis, so other
 * files' users are online too: the row is picked by user id, not by name.
 */
export async function openDmWith(user: User, peer: User): Promise<void> {
  await user.page.getByRole('button', { name: 'New chat' }).click();
  await user.page.locator(`.person-row[data-user-id="${peer.userId}"]`).click();
  await user.page.getByRole('heading', { name: peer.name, level: 2 }).waitFor();
}

export async function newUser(
  browser: Browser,
  baseUrl: string,
  name: string,
  viewport?: { width: number; height: number },
): Promise<User> {
  const user = await openApp(browser, baseUrl, name, viewport);
  await loginQuick(user);
  return user;
}

/** Saves `test-results/e2e/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The row of a chat in the list, by its title. */
export function chatRow(page: Page, title: string) {
  return page.locator('button.chat-row').filter({ has: page.locator('.chat-title', { hasText: title }) });
}

/** Type and send a message in the open conversation. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Type a message');
  await box.fill(text);
  await box.press('Enter');
}

/** Message bubbles whose body is exactly `text`. */
export function bubble(page: Page, text: string) {
  return page.locator('.message-row').filter({ has: page.locator('.body', { hasText: text }) });
}

export function header(page: Page) {
  return page.getByTestId('conversation-status');
}

export async function soundsPlayed(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __papoSounds: number }).__papoSounds / 2);
}

/** A name unlikely to be taken by a concurrent test file (for what is looked up by name, like a chat title). */
export function uniqueName(base: string): string {
  return `${base} ${Math.random().toString(36).slice(2, 5).toUpperCase()}`;
}

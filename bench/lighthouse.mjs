// Lighthouse (mobile preset: a Moto G Power-sized screen, slow 4G and a 4× slower CPU, simulated) on the web
// client as the server sends it: the login page, then the chat screens of a user with a few chats and messages.
// It builds nothing: run `npm run build` first. See bench/README.md, "Lighthouse".
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PapoClient } from '@papo/client';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { defaultConfig } from 'lighthouse';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { CHROME_FLAGS, CHROME_PATH } from './lib/chromium.mjs';
import { REPO_ROOT, startRedis, startTarget } from './lib/procs.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    pages: { type: 'string', default: 'login,chats,chat' },
    json: { type: 'string' },
    'reports-dir': { type: 'string' },
    'cpu-slowdown': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`node bench/lighthouse.mjs [--runs 3] [--pages login,chats,chat] [--json out.json] [--reports-dir DIR]

  login  /              logged out: the login screen
  chats  /              logged in: the chat list (a phone shows the list alone)
  chat   /#/chat/<id>   logged in: a conversation with messages open

Medians of --runs Lighthouse runs per page (mobile preset; performance, accessibility, best practices).
--json writes every run's figures; --reports-dir every run's whole report (<page>-<run>.json, which the
Lighthouse viewer at https://googlechrome.github.io/lighthouse/viewer/ opens).
--cpu-slowdown replaces the preset's 4× CPU multiplier, which assumes a high-end desktop host (Lighthouse
benchmarkIndex 1500-2000; docs/throttling.md in the Lighthouse repository): a slower host, the "host index"
column, is better matched by 2× (index 800-1200). The default is the unchanged mobile preset.
CHROME_PATH (default /usr/bin/chromium), WEB_DIR (default packages/web/dist), PAPO_SERVER_MAIN as bench/run.mjs.`);
  process.exit(0);
}
const RUNS = Number(args.runs);
if (args['reports-dir']) mkdirSync(args['reports-dir'], { recursive: true });
const PAGES = args.pages.split(',').filter(Boolean);
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];
/** The mobile preset's network (slow 4G: 150 ms RTT, 1.6 Mbit/s down), as Lighthouse's default settings hold it. */
const MOBILE_THROTTLING = defaultConfig.settings.throttling;

/** A user's chats: three public ones and a DM, with messages from both sides. */
async function seed(baseUrl) {
  const storage = new Map();
  const memory = {
    getItem: (key) => storage.get(key) ?? null,
    setItem: (key, value) => storage.set(key, value),
    removeItem: (key) => storage.delete(key),
  };
  const me = new PapoClient({ baseUrl, WebSocket, storage: memory });
  const friend = new PapoClient({ baseUrl, WebSocket });
  await me.loginTemporary('ana');
  const friendSession = await friend.loginTemporary('bruno');
  await Promise.all([online(me), online(friend)]);
  const chats = [];
  for (const title of ['Family', 'Climbing club', 'Book swap']) {
    const { chat_id } = await me.createPublicChat(title);
    await friend.joinChat(chat_id);
    chats.push(chat_id);
  }
  const { chat_id: dm } = await me.createDm(friendSession.user_id);
  chats.push(dm);
  for (const [i, chat] of chats.entries()) {
    const count = chat === dm ? 40 : 5 + i;
    for (let n = 0; n < count; n++) {
      const who = n % 3 === 0 ? me : friend;
      who.send(
        chat,
        n % 5 === 4 ? `A longer message, number ${n}, that wraps over a couple of lines on a phone.` : `Message ${n}`,
      );
    }
  }
  await Promise.all([sent(me), sent(friend)]);
  me.disconnect();
  friend.disconnect();
  // What the web client keeps in localStorage for this session (`papo:session`, `papo:user`).
  return { storage: Object.fromEntries(storage), openChat: dm };
}

function online(client) {
  return new Promise((done) => {
    const off = client.on('auth', () => {
      off();
      done();
    });
    client.connect();
  });
}

function sent(client) {
  return new Promise((done) => {
    if (client.outbox().length === 0) return done();
    const off = client.on('outbox', (entries) => {
      if (entries.length > 0) return;
      off();
      done();
    });
  });
}

/** The session in the browser's localStorage, and its HTTP cache emptied: a returning user on a cold cache. */
async function prepare(port, baseUrl, storage) {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const context = browser.contexts()[0];
  const page = await context.newPage();
  // A small file of the origin: localStorage is per origin, and the app itself does not start.
  await page.goto(`${baseUrl}/favicon.svg`);
  await page.evaluate((entries) => {
    localStorage.clear();
    for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
  }, storage);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  await page.close();
  await browser.close();
}

let version = '';

async function audit(port, url, keepStorage, report) {
  const { lhr } = await lighthouse(url, {
    port,
    logLevel: 'error',
    output: 'json',
    onlyCategories: CATEGORIES,
    // Lighthouse empties the origin's storage (and the cache) first, which would log the user out.
    disableStorageReset: keepStorage,
    ...(args['cpu-slowdown']
      ? { throttling: { ...MOBILE_THROTTLING, cpuSlowdownMultiplier: Number(args['cpu-slowdown']) } }
      : {}),
  });
  if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const metric = (id) => lhr.audits[id]?.numericValue ?? Number.NaN;
  const resources = lhr.audits['resource-summary']?.details?.items ?? [];
  const bytes = (type) => resources.find((item) => item.resourceType === type)?.transferSize ?? 0;
  version = lhr.lighthouseVersion;
  if (report) writeFileSync(report, JSON.stringify(lhr));
  return {
    performance: Math.round(lhr.categories.performance.score * 100),
    accessibility: Math.round(lhr.categories.accessibility.score * 100),
    bestPractices: Math.round(lhr.categories['best-practices'].score * 100),
    fcp: metric('first-contentful-paint'),
    lcp: metric('largest-contentful-paint'),
    tbt: metric('total-blocking-time'),
    cls: metric('cumulative-layout-shift'),
    si: metric('speed-index'),
    jsBytes: bytes('script'),
    totalBytes: bytes('total'),
    // Lighthouse's measure of this machine's speed (higher is faster; a phone-class CPU is ~1000 and under):
    // a shared or loaded host scores low, and its TBT and CPU-bound timings come out longer.
    benchmark: lhr.environment?.benchmarkIndex ?? 0,
    requests: resources.find((item) => item.resourceType === 'total')?.requestCount ?? 0,
    failed: Object.values(lhr.audits)
      .filter((a) => a.scoreDisplayMode !== 'notApplicable' && a.scoreDisplayMode !== 'informative')
      .filter((a) => a.score !== null && a.score < 0.9)
      .map((a) => a.id),
  };
}

/** Lighthouse now and then fails to record a trace (NO_NAVSTART, NO_FCP): such a run is done again, twice at most. */
async function retried(run) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt === 3) throw err;
      process.stderr.write(`${err.message.split('\n')[0]}: again\n`);
    }
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const webDir = resolve(REPO_ROOT, process.env.WEB_DIR ?? 'packages/web/dist');
const dataDir = mkdtempSync(join(tmpdir(), 'papo-lighthouse-'));
process.env.WEB_DIR = webDir;
process.env.DATA_DIR = dataDir;
// The bench's own metrics listener would collide with a server already on 9464.
process.env.METRICS_PORT = '0';
const redis = await startRedis();
const server = await startTarget({ kind: 'papo', workers: 1, name: 'papo' }, redis.url);
const chrome = await chromeLauncher.launch({
  chromePath: CHROME_PATH,
  chromeFlags: ['--headless=new', ...CHROME_FLAGS],
});
const results = {};
try {
  const user = PAGES.some((page) => page !== 'login') ? await seed(server.baseUrl) : undefined;
  const urls = {
    login: `${server.baseUrl}/`,
    chats: `${server.baseUrl}/`,
    chat: `${server.baseUrl}/#/chat/${user?.openChat}`,
  };
  for (const page of PAGES) {
    if (!urls[page]) throw new Error(`unknown page ${page} (login, chats, chat)`);
    results[page] = [];
    for (let run = 0; run < RUNS; run++) {
      const loggedIn = page !== 'login';
      const result = await retried(async () => {
        if (loggedIn) await prepare(chrome.port, server.baseUrl, user.storage);
        const report = args['reports-dir'] && join(args['reports-dir'], `${page}-${run + 1}.json`);
        return audit(chrome.port, urls[page], loggedIn, report);
      });
      results[page].push(result);
      process.stderr.write(`${page} run ${run + 1}/${RUNS}: performance ${result.performance}\n`);
    }
  }
} finally {
  await chrome.kill();
  await server.stop();
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const COLUMNS = [
  ['performance', 'perf', (v) => String(v)],
  ['accessibility', 'a11y', (v) => String(v)],
  ['bestPractices', 'best pr.', (v) => String(v)],
  ['fcp', 'FCP ms', (v) => v.toFixed(0)],
  ['lcp', 'LCP ms', (v) => v.toFixed(0)],
  ['tbt', 'TBT ms', (v) => v.toFixed(0)],
  ['cls', 'CLS', (v) => v.toFixed(3)],
  ['si', 'SI ms', (v) => v.toFixed(0)],
  ['jsBytes', 'JS bytes', (v) => v.toFixed(0)],
  ['totalBytes', 'all bytes', (v) => v.toFixed(0)],
  ['requests', 'requests', (v) => v.toFixed(0)],
  ['benchmark', 'host index', (v) => v.toFixed(0)],
];
const rows = PAGES.map((page) => [
  page,
  ...COLUMNS.map(([key, , format]) => format(median(results[page].map((r) => r[key])))),
]);
const header = ['page', ...COLUMNS.map(([, title]) => title)];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((cell, i) => cell.padStart(widths[i])).join(' | ')} |`;
const cpu = args['cpu-slowdown'] ? `, CPU slowdown ${args['cpu-slowdown']}× instead of 4×` : '';
console.log(`Lighthouse ${version} mobile${cpu}, median of ${RUNS} runs (bytes: transferred, compressed)`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
for (const page of PAGES) {
  const failed = [...new Set(results[page].flatMap((r) => r.failed))];
  if (failed.length) console.log(`${page}: audits under 0.9 in some run: ${failed.join(', ')}`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));

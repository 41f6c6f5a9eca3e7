// Cold start of the web client in Chromium: the time from navigation start to the first chat list rendered
// with chats (the `papo:chat-list` performance mark the client sets), with the offline cache (IndexedDB) warm
// and with it deleted, for a user with many chats. It builds nothing: run `npm run build` first. See
// bench/README.md, "Cold start".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PapoClient } from '@papo/client';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { CHROME_FLAGS, CHROME_PATH } from './lib/chromium.mjs';
import { REPO_ROOT, startRedis, startTarget } from './lib/procs.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    chats: { type: 'string', default: '50' },
    messages: { type: 'string', default: '5' },
    rtt: { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`node bench/cold-start.mjs [--runs 7] [--chats 50] [--messages 5] [--rtt 0]

A user with --chats public chats of --messages messages each; per run, a fresh browser profile loads the app
once (the HTTP cache and the offline cache fill), then loads it again with the offline cache and with it
deleted, in alternating order. Prints the median, min and max of navigation start → first chat list rendered.
--rtt adds that many ms of round-trip latency to every request (DevTools network emulation), as a phone's
network would; 0 is the loopback as it is.
CHROME_PATH (default /usr/bin/chromium), WEB_DIR (default packages/web/dist), PAPO_SERVER_MAIN as bench/run.mjs.`);
  process.exit(0);
}
const RUNS = Number(args.runs);
const CHATS = Number(args.chats);
const MESSAGES = Number(args.messages);
const RTT = Number(args.rtt);
const MARK = 'papo:chat-list';

function memoryStorage() {
  const storage = new Map();
  return {
    map: storage,
    getItem: (key) => storage.get(key) ?? null,
    setItem: (key, value) => storage.set(key, value),
    removeItem: (key) => storage.delete(key),
  };
}

function until(client, event, done) {
  return new Promise((resolveIt) => {
    if (done()) return resolveIt();
    const off = client.on(event, () => {
      if (!done()) return;
      off();
      resolveIt();
    });
  });
}

/** `ana` with CHATS public chats, MESSAGES messages each (hers and `bruno`'s, who is in every chat). */
async function seed(baseUrl) {
  const storage = memoryStorage();
  const me = new PapoClient({ baseUrl, WebSocket, storage });
  const friend = new PapoClient({ baseUrl, WebSocket });
  await me.loginTemporary('ana');
  await friend.loginTemporary('bruno');
  me.connect();
  friend.connect();
  await Promise.all([
    until(me, 'state', () => me.state === 'online'),
    until(friend, 'state', () => friend.state === 'online'),
  ]);
  for (let c = 0; c < CHATS; c++) {
    const { chat_id } = await me.createPublicChat(`Chat ${String(c + 1).padStart(2, '0')}`);
    await friend.joinChat(chat_id);
    for (let n = 0; n < MESSAGES; n++) {
      (n % 2 ? friend : me).send(
        chat_id,
        n % 3 === 2 ? `A longer message, number ${n}, that wraps on a phone.` : `Message ${n}`,
      );
    }
  }
  await Promise.all([me, friend].map((client) => until(client, 'outbox', () => client.outbox().length === 0)));
  me.disconnect();
  friend.disconnect();
  // What the web client keeps in localStorage for this session (`papo:session`, `papo:user`).
  return Object.fromEntries(storage.map);
}

/**
 * Loads the app; resolves with the mark's time and, for what no cache changes, when the HTML had arrived and
 * when the chat screens' chunk had (ms from navigation start).
 */
async function load(page, url) {
  await page.goto(url);
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MARK, { timeout: 30_000 });
  return page.evaluate((mark) => {
    const [navigation] = performance.getEntriesByType('navigation');
    const chunk = performance.getEntriesByType('resource').find((entry) => entry.name.includes('/chat-screen-'));
    return {
      list: performance.getEntriesByName(mark)[0].startTime,
      html: navigation.responseEnd,
      chunk: chunk?.responseEnd ?? Number.NaN,
      restored: performance.getEntriesByName('papo:cache-restored')[0]?.startTime ?? Number.NaN,
    };
  }, MARK);
}

/** What the offline cache holds: its chat list's length (0: none). */
function cachedChats(page) {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'papo-cache')) return 0;
    const db = await new Promise((done, fail) => {
      const open = indexedDB.open('papo-cache');
      open.onsuccess = () => done(open.result);
      open.onerror = () => fail(open.error);
    });
    const state = await new Promise((done) => {
      const req = db.transaction('state').objectStore('state').get('state');
      req.onsuccess = () => done(req.result);
    });
    db.close();
    return state?.chats.length ?? 0;
  });
}

async function oneRun(browser, baseUrl, session, warmFirst) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (RTT > 0) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: RTT,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
  }
  // A small file of the origin: localStorage is per origin, and the app itself does not start.
  await page.goto(`${baseUrl}/favicon.svg`);
  await page.evaluate((entries) => {
    for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
  }, session);
  // The first load fills the HTTP cache (both measured loads have it) and the offline cache.
  await load(page, `${baseUrl}/`);
  const deadline = Date.now() + 20_000;
  while ((await cachedChats(page)) < CHATS) {
    if (Date.now() > deadline) throw new Error('the offline cache was not written');
    await new Promise((done) => setTimeout(done, 200));
  }
  const figures = {};
  for (const warm of warmFirst ? [true, false] : [false, true]) {
    if (!warm) {
      // Away from the app (its connection to the database closes), then the database deleted.
      await page.goto(`${baseUrl}/favicon.svg`);
      await page.evaluate(
        () =>
          new Promise((done, fail) => {
            const req = indexedDB.deleteDatabase('papo-cache');
            req.onsuccess = done;
            req.onerror = () => fail(req.error);
            req.onblocked = () => fail(new Error('blocked'));
          }),
      );
    }
    figures[warm ? 'warm' : 'cold'] = await load(page, `${baseUrl}/`);
    // The next load starts with the offline cache written again (the cold load rebuilds it).
    while ((await cachedChats(page)) < CHATS) await new Promise((done) => setTimeout(done, 200));
  }
  await context.close();
  return figures;
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1) };
}

const dataDir = mkdtempSync(join(tmpdir(), 'papo-cold-start-'));
process.env.WEB_DIR = resolve(REPO_ROOT, process.env.WEB_DIR ?? 'packages/web/dist');
process.env.DATA_DIR = dataDir;
process.env.METRICS_PORT = '0';
const redis = await startRedis();
const server = await startTarget({ kind: 'papo', workers: 1, name: 'papo' }, redis.url, {
  MEMBERSHIP_CHANGES_PER_HOUR: '100000',
});
const browser = await chromium.launch({
  executablePath: CHROME_PATH,
  args: CHROME_FLAGS,
});
const results = { warm: [], cold: [] };
const FIGURES = [
  ['list', 'first chat list'],
  ['html', 'HTML received'],
  ['chunk', 'chat screens chunk received'],
  ['restored', 'offline cache read'],
];
try {
  const session = await seed(server.baseUrl);
  for (let run = 0; run < RUNS; run++) {
    const figures = await oneRun(browser, server.baseUrl, session, run % 2 === 0);
    results.warm.push(figures.warm);
    results.cold.push(figures.cold);
    process.stderr.write(
      `run ${run + 1}/${RUNS}: with cache ${figures.warm.list.toFixed(0)} ms, without ${figures.cold.list.toFixed(0)} ms\n`,
    );
  }
} finally {
  await browser.close();
  await server.stop();
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const network = RTT > 0 ? `${RTT} ms round trip added` : 'loopback';
console.log(
  `Cold start (${CHATS} chats, ${MESSAGES} messages each; ${network}; Chromium ${browser.version()}), ${RUNS} runs, ms from navigation start, median (min-max):`,
);
console.log(`| offline cache | ${FIGURES.map(([, title]) => title).join(' | ')} |`);
console.log(`| ------------- | ${FIGURES.map(([, title]) => `${'-'.repeat(title.length - 1)}:`).join(' | ')} |`);
for (const [label, key] of [
  ['warm', 'warm'],
  ['deleted', 'cold'],
]) {
  const cells = FIGURES.map(([figure]) => {
    const values = results[key].map((r) => r[figure]).filter((v) => !Number.isNaN(v));
    if (values.length === 0) return '—';
    const { median, min, max } = stats(values);
    return `${median.toFixed(0)} (${min.toFixed(0)}-${max.toFixed(0)})`;
  });
  console.log(`| ${label} | ${cells.join(' | ')} |`);
}

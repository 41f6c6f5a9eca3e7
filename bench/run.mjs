#!/usr/bin/env node
// `npm run bench`: Papo side by side with the usual alternative (Socket.IO + Redis adapter) and the ceiling
// (bare ws, in memory), every scenario of issue 5, on one machine in one run. See bench/README.md.
//
//   node bench/run.mjs [--quick] [--scenario cpu,a,b,c,d,e,g,r,rg,media,push] [--targets papo1,papo2,socketio,ceiling,static]
//                      [--step-ms N] [--fixed-ms N] [--generators N] [--sio-client raw|official] [--out DIR]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mediaRounds, printMedia } from './lib/media.mjs';
import { hardFileLimit, PAPO_MAIN, REPO_ROOT } from './lib/procs.mjs';
import { printPush, pushScenario } from './lib/push.mjs';
import { printReport, renderSvg, summarize } from './lib/report.mjs';
import {
  bigChat,
  bigGroup,
  bigGroupReceipts,
  cpuRounds,
  dms,
  fanout,
  idle,
  log,
  receiptsFixed,
  storm,
} from './lib/scenarios.mjs';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', default: 'cpu,a,b,c,d,e' },
    targets: { type: 'string', default: 'papo1,papo2,socketio,ceiling' },
    'step-ms': { type: 'string' },
    'fixed-ms': { type: 'string' },
    'cpu-rounds': { type: 'string' },
    'cpu-together': { type: 'boolean', default: false },
    generators: { type: 'string', default: '2' },
    'wait-idle-s': { type: 'string' },
    'sio-client': { type: 'string', default: 'raw' },
    'redis-unix': { type: 'boolean', default: false },
    'media-rounds': { type: 'string' },
    'media-clients': { type: 'string' },
    'media-file-mib': { type: 'string' },
    'push-rates': { type: 'string' },
    'push-duration-s': { type: 'string' },
    'push-recipients': { type: 'string' },
    out: { type: 'string', default: resolve(REPO_ROOT, 'bench/results') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(`Usage: node bench/run.mjs [options]
  --quick                 small sizes and short steps (a smoke run, ~2 min)
  --scenario LIST         cpu,a,b,c,d,e (default all): cpu = CPU per delivery at 1,000 msg/s into chats of 10,
                          a = fan-out ramp, b = one chat of 1,000, c = 500 DM pairs, d = idle connections,
                          e = connect storm. Not in the default (pass them): g = one group of 1,024;
                          r = receipts at cpu's fixed load, in private groups of 10, off against on in rounds;
                          rg = g's group with every member doing the SDK's receipts, against g, in rounds
                          (Papo only; each round of r and rg measures both, --cpu-rounds of them);
                          media = uploads and downloads over HTTP (POST/GET /api/media, Papo's local storage):
                          files (?name=, random bytes) and JPEG photos up, whole files and 1 MiB ranges down,
                          MiB/s and server CPU ms per MiB (per photo), in rounds; with --targets papo1,static
                          (static: fastify + @fastify/static, uploads piped to a file: the ceiling);
                          push = Web Push (Papo only): text messages into DMs whose recipient is away with a push
                          subscription on a local sink, beside DMs whose recipient is away without one and DMs
                          whose recipient is connected; pushes/s, server CPU µs per push, send→push latency,
                          lost pushes, push:queue at the end
  --targets LIST          papo1,papo2,socketio,socketio2,ceiling (default papo1,papo2,socketio,ceiling);
                          papobase: the build at PAPO_BASE_MAIN with WORKERS=1, beside this one (an A/B);
                          papolocal: this build with its sends answered in the worker instead of by Redis (a
                          diagnostic: Papo's own work without the store's round trip);
                          static: bench/static-server.mjs, the media scenario's plain server (media only)
  --step-ms N             length of each ramp step (default 5000; quick 2000)
  --fixed-ms N            length of the fixed-load window (default 10000; quick 2000)
  --cpu-rounds N          rounds of the fixed load, every target measured once per round, in turns; a
                          target's figure is the median of its rounds (default 3; quick 1), after one
                          settling round that is not counted (none with --quick); also r's and rg's rounds
  --cpu-together          in each round load every target at once rather than in turns: for an A/B of
                          two builds (papo1,papobase), whose windows then share the machine's state
  --generators N          load generator processes (default 2)
  --wait-idle-s N         before each target, wait up to N s for other processes to leave the cores alone
                          (default 120; quick 10); a step they disturbed is measured again once
  --sio-client raw|official   drive Socket.IO with the raw-protocol client (default) or socket.io-client
  --redis-unix            every target with Redis talks to it over its Unix socket, not TCP on loopback (as
                          Papo's own Redis does under npm start)
  --media-rounds N        media: rounds, every target measured once per round, in turns (default 3; quick 1),
                          after a small warm-up round of each that is not counted
  --media-clients N       media: concurrent clients, each its own user, one request in flight (default 4)
  --media-file-mib N      media: size of each uploaded file, MiB (default 8; Papo's MAX_FILE_BYTES, 100 MiB by
                          default, is raised to it when it is larger)
  --push-rates LIST       push: messages/s, each rate a window of each kind of DM (default 200,500; quick 200)
  --push-duration-s N     push: length of each window (default 20; quick 5)
  --push-recipients N     push: DMs of each kind, each recipient in one (default 200; quick 50)
  --out DIR               where the JSON and SVG go (default bench/results)`);
  process.exit(0);
}

const TARGETS = {
  papo1: { name: 'papo1', label: 'Papo WORKERS=1', kind: 'papo', workers: 1, wire: 'papo', redis: true },
  papo2: { name: 'papo2', label: 'Papo WORKERS=2', kind: 'papo', workers: 2, wire: 'papo', redis: true },
  socketio: { name: 'socketio', label: 'Socket.IO+Redis', kind: 'socketio', workers: 1, wire: 'sio', redis: true },
  socketio2: {
    name: 'socketio2',
    label: 'Socket.IO+Redis WORKERS=2',
    kind: 'socketio',
    workers: 2,
    wire: 'sio',
    redis: true,
  },
  ceiling: { name: 'ceiling', label: 'bare ws (ceiling)', kind: 'ceiling', workers: 1, wire: 'papo', redis: false },
  // The media scenario only: fastify + @fastify/static, uploads piped to a file (static-server.mjs).
  static: { name: 'static', label: 'fastify + @fastify/static', kind: 'static', workers: 1, redis: false },
  // Another build of Papo beside this one, to measure a change in the same rounds as the change itself.
  papobase: {
    name: 'papobase',
    label: 'Papo WORKERS=1, PAPO_BASE_MAIN',
    kind: 'papo',
    workers: 1,
    wire: 'papo',
    redis: true,
    main: process.env.PAPO_BASE_MAIN,
  },
  // A diagnostic: this build with its sends answered in the worker, not by Redis (papo-without-redis-sends.mjs).
  papolocal: {
    name: 'papolocal',
    label: 'Papo WORKERS=1, sends answered in the worker (diagnostic)',
    kind: 'papo',
    diagnostic: true,
    workers: 1,
    wire: 'papo',
    redis: true,
    main: resolve(REPO_ROOT, 'bench/papo-without-redis-sends.mjs'),
  },
};

const quick = opts.quick;
const cfg = {
  quick,
  generatorProcesses: Number(opts.generators),
  bodyBytes: 64,
  /** Other processes' CPU (% of one core) above which the machine counts as busy. */
  quietMachinePct: 15,
  /** How many times a window that other processes disturbed is measured again. */
  retries: 2,
  waitIdleS: Number(opts['wait-idle-s'] ?? (quick ? 10 : 120)),
  redisUnix: opts['redis-unix'],
  fanout: {
    users: quick ? 200 : 1000,
    group: 10,
    warmup: { rate: 500, durationMs: quick ? 1500 : 3000 },
    fixed: { rate: 1000, durationMs: Number(opts['fixed-ms'] ?? (quick ? 2000 : 10_000)) },
    cpuRounds: Number(opts['cpu-rounds'] ?? (quick ? 1 : 3)),
    settleRound: !quick,
    together: opts['cpu-together'],
    rates: quick ? [1000, 8000] : [500, 1000, 2000, 4000, 8000, 16000],
    refine: quick ? 0 : 4,
    stepMs: Number(opts['step-ms'] ?? (quick ? 1500 : 5000)),
    drainMs: quick ? 1500 : 3000,
    quietMs: 1000,
    quietTimeoutMs: 60_000,
  },
  bigChat: {
    users: quick ? 200 : 1000,
    senders: quick ? 20 : 50,
    rate: quick ? 20 : 40,
    durationMs: quick ? 2000 : 10_000,
    drainMs: quick ? 2000 : 5000,
  },
  bigGroup: {
    users: quick ? 200 : 1024,
    senders: quick ? 20 : 50,
    rate: quick ? 20 : 40,
    durationMs: quick ? 2000 : 10_000,
    drainMs: quick ? 2000 : 5000,
  },
  dms: {
    pairs: quick ? 100 : 500,
    rate: 1000,
    warmup: { rate: 500, durationMs: quick ? 1000 : 2000 },
    durationMs: quick ? 2000 : 10_000,
    drainMs: quick ? 2000 : 3000,
  },
  idle: { connections: quick ? 2000 : 20_000, settleMs: quick ? 1000 : 12_000 },
  storm: { connections: quick ? 1000 : 5000, inFlight: 500 },
  media: {
    rounds: Number(opts['media-rounds'] ?? (quick ? 1 : 3)),
    clients: Number(opts['media-clients'] ?? 4),
    fileBytes: Number(opts['media-file-mib'] ?? 8) * 2 ** 20,
    files: quick ? 16 : 48,
    photo: { width: 2400, height: 1600 },
    photos: quick ? 16 : 48,
    downloads: quick ? 32 : 96,
    ranges: quick ? 128 : 512,
    rangeBytes: 2 ** 20,
  },
  push: {
    senders: 20,
    recipients: Number(opts['push-recipients'] ?? (quick ? 50 : 200)),
    rates: (opts['push-rates'] ?? (quick ? '200' : '200,500')).split(',').map(Number),
    durationMs: Number(opts['push-duration-s'] ?? (quick ? 5 : 20)) * 1000,
    warmup: { rate: 100, durationMs: quick ? 1000 : 3000 },
    drainMs: 15_000,
    idleMs: quick ? 2000 : 5000,
  },
};

const allTargets = opts.targets.split(',').map((name) => {
  const t = TARGETS[name.trim()];
  if (!t) throw new Error(`unknown target ${name}; known: ${Object.keys(TARGETS).join(', ')}`);
  if (t.name === 'papobase' && !existsSync(t.main ?? '')) {
    throw new Error('papobase runs PAPO_BASE_MAIN, the dist/main.js of another build; set it to an existing file');
  }
  return opts['sio-client'] === 'official' && t.wire === 'sio' ? { ...t, wire: 'sio-official' } : t;
});
const scenarios = new Set(opts.scenario.split(',').map((s) => s.trim()));
// `static` serves files only: the media scenario's, never the WebSocket ones.
const targets = allTargets.filter((t) => t.kind !== 'static');
const mediaTargets = allTargets.filter((t) => t.kind === 'papo' || t.kind === 'static');

const serverMain = PAPO_MAIN;
if (allTargets.some((t) => t.kind === 'papo') && !existsSync(serverMain)) {
  console.error(`${serverMain} is missing: run \`npm run build\` (or npx tsc -b packages/server) first`);
  process.exit(1);
}
// The load workers do the SDK's receipts with its own ReceiptSender, from its dist (npm run bench builds the
// server's only).
if (!existsSync(resolve(REPO_ROOT, 'packages/client/dist/receipts.js'))) {
  console.error('packages/client/dist/receipts.js is missing: run `npm run build` first');
  process.exit(1);
}

/** Which server was measured: the commit, whether its sources differ from it, and when dist was built. */
function serverVersion(serverMain) {
  const root = resolve(serverMain, '../../../..');
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    main: serverMain,
    commit: git('rev-parse', '--short', 'HEAD'),
    serverSourcesModified: (git('status', '--porcelain', 'packages/server', 'packages/protocol') ?? '') !== '',
    distBuiltAt: existsSync(serverMain) ? statSync(serverMain).mtime.toISOString() : undefined,
  };
}

const results = {
  meta: {
    server: serverVersion(serverMain),
    ...(targets.some((t) => t.name === 'papobase') ? { baseServer: serverVersion(TARGETS.papobase.main) } : {}),
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    openFilesHardLimit: hardFileLimit(),
    quick,
    targets: allTargets.map((t) => t.name),
    scenarios: [...scenarios],
    config: cfg,
  },
  scenarios: {},
};

/** Runs one scenario on one target; a failure is recorded and the run goes on. */
async function attempt(scenario, target, fn) {
  const started = performance.now();
  try {
    const r = await fn();
    r.elapsedMs = performance.now() - started;
    return r;
  } catch (err) {
    log(`  ${target.name} ${scenario} FAILED: ${err.stack ?? err}`);
    return { failed: String(err.message ?? err) };
  }
}

function record(scenario, target, value) {
  results.scenarios[scenario] ??= {};
  results.scenarios[scenario][target.name] = value;
}

const t0 = performance.now();
// Papo's highest clean rate, the reference for the latency steps of every target (issue 5: p50 at a quarter of
// it, p99 at half of it). Papo's targets run first; a run without them uses each target's own.
let papoBest = 0;

if (scenarios.has('cpu')) {
  log(`cpu: every target up at once, ${cfg.fanout.cpuRounds} round(s) of the fixed load`);
  let byTarget;
  try {
    byTarget = await cpuRounds(targets, cfg);
  } catch (err) {
    log(`  cpu FAILED: ${err.stack ?? err}`);
    byTarget = Object.fromEntries(targets.map((t) => [t.name, { failed: String(err.message ?? err) }]));
  }
  for (const target of targets) record('cpu', target, byTarget[target.name]);
}

if (scenarios.has('a')) {
  log('a: fan-out ramp');
  for (const target of targets) {
    const r = await attempt('a', target, () =>
      fanout(target, cfg, {
        latencyRef: (own) => {
          if (target.kind === 'papo') papoBest = Math.max(papoBest, own);
          return papoBest || own;
        },
      }),
    );
    record('a', target, r);
  }
}

const others = [
  ['b', 'one chat of many members', bigChat],
  ['g', 'one private group of 1,024 members', bigGroup],
  ['c', 'DM pairs', dms],
  ['d', 'idle connections', idle],
  ['e', 'connect storm', storm],
  ['r', 'receipts at the fixed load, private groups of 10 (off and on, in rounds)', receiptsFixed],
  ['rg', 'one private group of 1,024 members, receipts off and on (in rounds)', bigGroupReceipts],
];
for (const [id, title, fn] of others) {
  if (!scenarios.has(id)) continue;
  log(`${id}: ${title}`);
  for (const target of targets) record(id, target, await attempt(id, target, () => fn(target, cfg)));
}

if (scenarios.has('media')) {
  log(`media: uploads and downloads, ${mediaTargets.map((t) => t.name).join(', ')}, ${cfg.media.rounds} round(s)`);
  if (!mediaTargets.length) log('  media: no Papo or static target given (--targets papo1,static)');
  else {
    try {
      results.scenarios.media = await mediaRounds(mediaTargets, cfg);
    } catch (err) {
      log(`  media FAILED: ${err.stack ?? err}`);
      results.scenarios.media = Object.fromEntries(
        mediaTargets.map((t) => [t.name, { failed: String(err.message ?? err) }]),
      );
    }
  }
}

if (scenarios.has('push')) {
  const pushTargets = targets.filter((t) => t.kind === 'papo');
  log(`push: Web Push to away recipients, ${pushTargets.map((t) => t.name).join(', ')}`);
  if (!pushTargets.length) log('  push: no Papo target given (--targets papo1)');
  else results.scenarios.push = await pushScenario(pushTargets, cfg);
}

results.meta.elapsedS = (performance.now() - t0) / 1000;
results.summary = summarize(results, targets);

mkdirSync(opts.out, { recursive: true });
const stamp = results.meta.date.replace(/[:.]/g, '-').slice(0, 19);
const json = JSON.stringify(results, null, 2);
const svg = renderSvg(results, targets);
for (const name of [`bench-${stamp}`, 'latest']) {
  writeFileSync(resolve(opts.out, `${name}.json`), json);
  writeFileSync(resolve(opts.out, `${name}.svg`), svg);
}
// The WebSocket scenarios' tables and issue 5's ratios, unless only the media scenario ran.
if (Object.keys(results.scenarios).some((id) => id !== 'media' && id !== 'push')) printReport(results, targets);
if (results.scenarios.media) printMedia(results.scenarios.media, mediaTargets, cfg);
if (results.scenarios.push) printPush(results.scenarios.push, targets, cfg);
console.log(`\nWritten: ${resolve(opts.out, `bench-${stamp}.json`)} and .svg (also latest.json, latest.svg)`);
console.log(`Elapsed: ${results.meta.elapsedS.toFixed(0)} s`);
process.exit(0);

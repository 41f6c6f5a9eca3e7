// The push scenario (bench/README.md, "Push"): what Web Push (contract section 13) costs the server. Papo runs
// with PUSH_ALLOW_INSECURE_ENDPOINTS=1 (so NODE_ENV is not production) and its default PUSH_IDLE_S; a push sink
// (a plain node:http server in this process, answering 201 to every POST, never decrypting) stands for the
// push services. Senders, connected over WebSocket from this process, send text messages into DMs at a fixed
// rate, in three kinds of DM, each kind its own set of recipients:
//
//   push     the recipient is away (never connected) and has one subscription, whose endpoint is on the sink
//            (real P-256 keys, so web-push encrypts for real): each message is one push;
//   offline  the recipient is away and has no subscription: the send alone (what a message costs without push);
//   online   the recipient is connected and has no subscription: one WebSocket delivery per message.
//
// The server's CPU (primary and workers) from the first send to the last push (or delivery) in, divided by the
// pushes (deliveries, messages), is the cost of one; the difference between `push` and `offline` is the push's own.
// A recipient's endpoint is its own path on the sink (/p/<i>), and its DM's pushes come in order (one chat's
// entries are done one after the other), so the k-th push to arrive on /p/<i> is the k-th message sent in that
// DM: its latency is its arrival less the time it was sent (or the time its sender got its ack).
import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { sample, selfCpuMs, startRedis, startTarget, systemBusyMs, waitForQuietMachine } from './procs.mjs';
import { log } from './scenarios.mjs';
import { PapoWire } from './wire.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MODES = ['offline', 'online', 'push'];
/** Windows measured so far: part of each client_msg_id (a repeated one is acknowledged again, not sent again). */
let windowSeq = 0;

function quantile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Runs `work` over `items`, at most `limit` at once. */
async function inTurns(items, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const k = next++;
        await work(items[k], k);
      }
    }),
  );
}

async function postJson(url, body, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * The push service stand-in: 201 to every POST, each push's arrival handed to `onPush(endpointIndex, bytes,
 * topic)`; the body is counted, not read.
 */
async function startSink(onPush) {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      const m = /^\/p\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'POST' && m) onPush(Number(m[1]), bytes, req.headers.topic);
      res.writeHead(201, { 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

/** A subscription's keys as a browser makes them: a P-256 public key (65 bytes) and 16 bytes of auth secret. */
function deviceKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

/** The state of one measured window: what was sent into each DM, in order, and what came back. */
function windowState() {
  return {
    byId: new Map(),
    /** Per DM (index in its kind's list): the sends whose push (delivery) has not come yet, oldest first. */
    waiting: new Map(),
    sent: 0,
    acked: 0,
    errors: {},
    arrived: 0,
    unexpected: 0,
    bytes: 0,
    topics: new Map(),
    sendLatency: [],
    ackLatency: [],
    lastArrival: 0,
  };
}

/** One kind's sets up: recipients logged in, DMs from the senders, subscriptions or connections. */
async function setUp(target, cfg) {
  const c = cfg.push;
  const redis = await startRedis();
  let server;
  let sink;
  const wires = [];
  const ctx = { target, redis, state: undefined };
  try {
    // PUSH_ALLOW_INSECURE_ENDPOINTS is refused in production: the sink's endpoints are http on loopback.
    server = await startTarget(target, redis.url, { NODE_ENV: 'development', PUSH_ALLOW_INSECURE_ENDPOINTS: '1' });
    ctx.server = server;
    sink = await startSink((i, bytes, topic) => arrived(ctx, 'push', i, bytes, topic));
    ctx.sink = sink;
    const base = server.baseUrl;
    const wsBase = base.replace(/^http/, 'ws');
    const names = [
      ...Array.from({ length: c.senders }, (_, i) => `pushbench_s${i}`),
      ...MODES.flatMap((mode) => Array.from({ length: c.recipients }, (_, i) => `pushbench_${mode}${i}`)),
    ];
    const users = new Array(names.length);
    await inTurns(names, 16, async (username, k) => {
      const r = await postJson(`${base}/api/login`, { username });
      users[k] = { token: r.token, userId: r.user_id, chats: new Set() };
    });
    const senders = users.slice(0, c.senders);
    ctx.recipients = Object.fromEntries(
      MODES.map((mode, m) => [mode, users.slice(c.senders + m * c.recipients, c.senders + (m + 1) * c.recipients)]),
    );
    const wireSink = (user) => ({
      delivery: (_u, _chatId, _id, body, own) => {
        if (!own) arrivedBody(ctx, body);
      },
      ack: (clientMsgId) => acked(ctx, clientMsgId),
      error: (code, clientMsgId) => {
        const s = ctx.state;
        if (s) s.errors[code] = (s.errors[code] ?? 0) + 1;
        if (clientMsgId) ctx.state?.byId.delete(clientMsgId);
      },
      receiptEvent: () => {},
      closed: (_u, code) => {
        if (!ctx.stopping) log(`  ${target.name} push: ${user.userId} closed (${code})`);
      },
    });
    for (const user of [...senders, ...ctx.recipients.online]) {
      const wire = new PapoWire(user, { wsBase }, wireSink(user));
      await wire.connect();
      user.wire = wire;
      wires.push(wire);
    }
    // Recipient i of each kind has a DM with sender i % senders.
    ctx.chats = {};
    for (const mode of MODES) {
      ctx.chats[mode] = new Array(c.recipients);
      await inTurns(ctx.recipients[mode], 16, async (peer, i) => {
        const sender = senders[i % senders.length];
        ctx.chats[mode][i] = { chatId: await sender.wire.createDm(peer.userId), sender };
      });
    }
    // Subscribed once in their DMs: the subscription puts each on the push list of every chat of theirs.
    await inTurns(ctx.recipients.push, 16, async (user, i) => {
      await postJson(
        `${base}/api/push/subscriptions`,
        { endpoint: `http://127.0.0.1:${sink.port}/p/${i}`, keys: deviceKeys() },
        user.token,
      );
    });
    ctx.chatIndex = new Map(MODES.flatMap((mode) => ctx.chats[mode].map((chat, i) => [chat.chatId, { mode, i }])));
    ctx.wires = wires;
    const cli = (...args) =>
      execFileSync('redis-cli', ['-u', redis.url, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    ctx.queue = () => ({
      length: Number(cli('XLEN', 'push:queue').trim()) || 0,
      retrying: Number(cli('ZCARD', 'push:retry').trim()) || 0,
    });
    ctx.rssAtStart = sample(server.pids).rss;
    return ctx;
  } catch (err) {
    await tearDown({ ...ctx, wires });
    throw err;
  }
}

async function tearDown(ctx) {
  ctx.stopping = true;
  for (const wire of ctx.wires ?? []) wire.close();
  await ctx.sink?.close();
  await ctx.server?.stop();
  await ctx.redis?.stop();
}

function acked(ctx, clientMsgId) {
  const rec = ctx.state?.byId.get(clientMsgId);
  if (!rec) return;
  rec.ackAt = performance.now();
  ctx.state.acked++;
  ctx.state.byId.delete(clientMsgId);
}

/** A push (or a WebSocket delivery) to DM `i` of `mode`: the oldest send into it waiting for one. */
function arrived(ctx, mode, i, bytes, topic) {
  const s = ctx.state;
  if (!s || s.mode !== mode) {
    if (s) s.unexpected++;
    return;
  }
  const now = performance.now();
  const rec = s.waiting.get(i)?.shift();
  if (!rec) {
    s.unexpected++;
    return;
  }
  s.arrived++;
  s.bytes += bytes;
  s.lastArrival = now;
  if (topic) s.topics.set(i, topic);
  s.sendLatency.push(now - rec.sentAt);
  if (rec.ackAt !== undefined) s.ackLatency.push(now - rec.ackAt);
}

/** A WebSocket delivery: its body names its DM ("<mode>.<i>.<k>."). */
function arrivedBody(ctx, body) {
  const [mode, i] = body.split('.');
  arrived(ctx, mode, Number(i), 0, undefined);
}

/**
 * One window: `rate` messages/s into the DMs of `mode` (round robin) for `durationMs`, then up to `drainMs` for
 * the last pushes (deliveries); the server's, Redis's, this process's and the machine's CPU read at the edges.
 */
async function measure(ctx, cfg, mode, rate, durationMs) {
  const c = cfg.push;
  const chats = ctx.chats[mode];
  const s = windowState();
  s.mode = mode;
  ctx.state = s;
  const snap = () => ({
    server: sample(ctx.server.pids),
    redis: sample([ctx.redis.pid]),
    self: selfCpuMs(),
    system: systemBusyMs(),
  });
  const padding = 'x'.repeat(Math.max(0, cfg.bodyBytes - 16));
  const before = snap();
  const started = performance.now();
  let k = 0;
  const seq = ++windowSeq;
  const total = Math.round((rate * durationMs) / 1000);
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000));
      for (; k < due; k++) {
        const i = k % chats.length;
        const { chatId, sender } = chats[i];
        const id = `${mode}-${seq}-${k}`;
        const rec = { sentAt: performance.now() };
        s.byId.set(id, rec);
        if (!s.waiting.has(i)) s.waiting.set(i, []);
        s.waiting.get(i).push(rec);
        sender.wire.send(chatId, `${mode}.${i}.${k}.${padding}`, id);
        s.sent++;
      }
      if (k >= total) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  const sendEnd = performance.now();
  const expected = () => (mode === 'offline' ? s.acked : s.sent);
  const done = () => s.acked === s.sent && (mode === 'offline' || s.arrived >= s.sent);
  while (!done() && performance.now() - sendEnd < c.drainMs) await sleep(10);
  const end = mode === 'offline' ? performance.now() : Math.max(s.lastArrival, sendEnd);
  const after = snap();
  ctx.state = undefined;
  const queue = ctx.queue();
  const windowMs = after.server.at - before.server.at;
  const serverCpuMs = after.server.cpuMs - before.server.cpuMs;
  const redisCpuMs = after.redis.cpuMs - before.redis.cpuMs;
  const selfMs = after.self - before.self;
  const others = Math.max(0, after.system - before.system - serverCpuMs - redisCpuMs - selfMs);
  const units = mode === 'offline' ? s.acked : s.arrived;
  s.sendLatency.sort((a, b) => a - b);
  s.ackLatency.sort((a, b) => a - b);
  return {
    mode,
    rate,
    durationMs,
    sent: s.sent,
    acked: s.acked,
    errors: s.errors,
    pushes: mode === 'push' ? s.arrived : 0,
    deliveries: mode === 'online' ? s.arrived : 0,
    lost: mode === 'offline' ? 0 : Math.max(0, expected() - s.arrived),
    unexpected: s.unexpected,
    /** Pushes (deliveries, acks) per second, from the first send to the last one in. */
    perS: units / ((end - started) / 1000),
    windowMs,
    serverCpuMs,
    serverCpuPct: (serverCpuMs / windowMs) * 100,
    serverUsPerUnit: units ? (serverCpuMs * 1000) / units : null,
    serverKernelPct: serverCpuMs > 0 ? ((after.server.systemMs - before.server.systemMs) / serverCpuMs) * 100 : null,
    redisUsPerUnit: units ? (redisCpuMs * 1000) / units : null,
    redisCpuPct: (redisCpuMs / windowMs) * 100,
    benchCpuPct: (selfMs / windowMs) * 100,
    backgroundCpuPct: (others / windowMs) * 100,
    pushBytesMean: mode === 'push' && s.arrived ? s.bytes / s.arrived : null,
    topics: mode === 'push' ? new Set(s.topics.values()).size : null,
    sendLatencyMs: { p50: quantile(s.sendLatency, 0.5), p99: quantile(s.sendLatency, 0.99), max: s.sendLatency.at(-1) },
    ackLatencyMs: { p50: quantile(s.ackLatency, 0.5), p99: quantile(s.ackLatency, 0.99) },
    queueAtEnd: queue.length,
    retryingAtEnd: queue.retrying,
    serverRss: after.server.rss,
  };
}

/** The server's and Redis's CPU (% of one core) over `ms` with nothing sent: what the per-message figures include. */
async function idleCpu(ctx, ms) {
  const before = { server: sample(ctx.server.pids), redis: sample([ctx.redis.pid]) };
  await sleep(ms);
  const after = { server: sample(ctx.server.pids), redis: sample([ctx.redis.pid]) };
  const wall = after.server.at - before.server.at;
  return {
    serverCpuPct: ((after.server.cpuMs - before.server.cpuMs) / wall) * 100,
    redisCpuPct: ((after.redis.cpuMs - before.redis.cpuMs) / wall) * 100,
  };
}

/** Each target on its own: set up, a short uncounted warm-up of each kind, then each rate, each kind in turn. */
export async function pushScenario(targets, cfg) {
  const c = cfg.push;
  const results = {};
  for (const target of targets) {
    if (target.kind !== 'papo') {
      results[target.name] = { failed: 'push: Papo targets only' };
      continue;
    }
    const background = await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS, (pct) =>
      log(`  other processes use ${pct.toFixed(0)}% of a core; waiting up to ${cfg.waitIdleS} s for a quiet machine`),
    );
    let ctx;
    try {
      ctx = await setUp(target, cfg);
      log(
        `  ${target.name}: ${c.senders} senders, ${c.recipients} DMs of each kind (${MODES.join(', ')}); ` +
          `server RSS ${(ctx.rssAtStart / 2 ** 20).toFixed(0)} MiB`,
      );
      for (const mode of MODES) await measure(ctx, cfg, mode, c.warmup.rate, c.warmup.durationMs);
      await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
      const idle = await idleCpu(ctx, c.idleMs);
      log(
        `  ${target.name} idle: server ${idle.serverCpuPct.toFixed(1)}%, redis ${idle.redisCpuPct.toFixed(1)}% of a core`,
      );
      const runs = [];
      for (const rate of c.rates) {
        for (const mode of MODES) {
          await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
          const r = await measure(ctx, cfg, mode, rate, c.durationMs);
          runs.push(r);
          // A backlog left by a rate the server could not keep up with would be the next window's work.
          for (const until = performance.now() + 60_000; ctx.queue().length > 0 && performance.now() < until; ) {
            await sleep(500);
          }
          const f = (v) => (v === null || v === undefined ? '-' : v.toFixed(1));
          log(
            `  ${target.name} ${mode} ${rate}/s: ${f(r.perS)}/s in, server ${f(r.serverUsPerUnit)} µs each ` +
              `(${f(r.serverCpuPct)}% of a core), redis ${f(r.redisUsPerUnit)} µs; ` +
              `send→in p50 ${f(r.sendLatencyMs.p50)} p99 ${f(r.sendLatencyMs.p99)} ms; lost ${r.lost}; ` +
              `queue ${r.queueAtEnd}; others ${f(r.backgroundCpuPct)}%`,
          );
        }
      }
      results[target.name] = {
        runs,
        idle,
        backgroundCpuPctAtStart: background,
        serverRssAtStart: ctx.rssAtStart,
        serverLog: { warnings: ctx.server.log.warnings, errors: ctx.server.log.errors, last: ctx.server.log.last },
      };
    } catch (err) {
      log(`  ${target.name} push FAILED: ${err.stack ?? err}`);
      results[target.name] = { failed: String(err.message ?? err) };
    } finally {
      if (ctx) await tearDown(ctx).catch(() => {});
    }
  }
  return results;
}

const f1 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));

/** The push scenario's table: one row per target, rate and kind of DM. */
export function printPush(s, targets, cfg) {
  const c = cfg.push;
  const head = [
    'target',
    'rate/s',
    'DMs',
    'in/s',
    'server µs each',
    'server CPU %',
    'redis µs each',
    'send→in p50/p99 ms',
    'ack→in p50/p99 ms',
    `lost (not in ${c.drainMs / 1000} s after)`,
    'queue at end',
    'others %',
  ];
  const rows = [];
  for (const t of targets) {
    const r = s[t.name];
    if (!r) continue;
    if (r.failed) {
      rows.push([t.name, 'failed', r.failed.slice(0, 60)]);
      continue;
    }
    for (const x of r.runs) {
      const lat = (l) => (x.mode === 'offline' ? '-' : `${f1(l.p50)} / ${f1(l.p99)}`);
      rows.push([
        t.name,
        String(x.rate),
        x.mode,
        f1(x.perS),
        f1(x.serverUsPerUnit),
        f1(x.serverCpuPct),
        f1(x.redisUsPerUnit),
        lat(x.sendLatencyMs),
        lat(x.ackLatencyMs),
        x.mode === 'offline' ? '-' : String(x.lost),
        x.mode === 'push' ? String(x.queueAtEnd) : '-',
        x.backgroundCpuPct.toFixed(0),
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((x, i) => String(x ?? '').padEnd(widths[i])).join('  ');
  console.log(
    `\npush: ${c.recipients} DMs of each kind from ${c.senders} senders, ${c.durationMs / 1000} s per rate; "each": ` +
      'per push (push), per WebSocket delivery (online), per message (offline: nobody has push, nobody connected)',
  );
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  for (const t of targets) {
    const r = s[t.name];
    if (!r || r.failed) continue;
    const p = r.runs.filter((x) => x.mode === 'push');
    console.log(
      `  ${t.name} with nothing sent: server ${f1(r.idle.serverCpuPct)}%, redis ${f1(r.idle.redisCpuPct)}% of a core ` +
        '(counted in the figures "each" above)',
    );
    if (p.length)
      console.log(
        `  ${t.name}: a push's body ${f1(p[0].pushBytesMean)} bytes; ${p[0].topics} Topic(s) for ${c.recipients} DMs; ` +
          `errors ${JSON.stringify(Object.assign({}, ...r.runs.map((x) => x.errors)))}`,
      );
    const l = r.serverLog;
    if (l?.warnings || l?.errors)
      console.log(`  ${t.name} server log: ${l.warnings} warnings, ${l.errors} errors; last: ${l.last.join(' | ')}`);
  }
}

// The scenarios of issue 5, each run against one target on a fresh redis-server and a fresh server.
import { Generator } from './generator.mjs';
import {
  hardFileLimit,
  sample,
  selfCpuMs,
  startRedis,
  startTarget,
  systemBusyMs,
  waitForQuietMachine,
} from './procs.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Source addresses for many connections: 127.0.0.0/8 is all loopback, so each has its own ephemeral ports. */
const ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);

export function log(...parts) {
  const t = new Date().toISOString().slice(11, 19);
  console.error(`[${t}]`, ...parts);
}

function nonZero(errors) {
  return Object.values(errors ?? {}).reduce((a, b) => a + b, 0);
}

/** Starts Redis (unless the target needs none), the server and the generator; tears all down, even on error. */
async function withTarget(target, cfg, fn) {
  const background = await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS, (pct) =>
    log(`  other processes use ${pct.toFixed(0)}% of a core; waiting up to ${cfg.waitIdleS} s for a quiet machine`),
  );
  const redis = target.redis ? await startRedis() : undefined;
  let server;
  let gen;
  try {
    server = await startTarget(target, cfg.redisUnix ? redis?.socketPath : redis?.url);
    gen = new Generator(cfg.generatorProcesses);
    const wsBase = server.baseUrl.replace(/^http/, 'ws');
    await gen.init({ baseUrl: server.baseUrl, wsBase }, target.wire, cfg.bodyBytes);
    const redisPids = redis ? [redis.pid] : [];
    // Everything the machine did, to tell how much CPU other processes took during a window.
    const snap = () => ({
      server: sample(server.pids),
      redis: sample(redisPids),
      gen: sample(gen.pids),
      self: selfCpuMs(),
      system: systemBusyMs(),
    });
    const result = await fn({ server, gen, snap, cfg, target, redis });
    result.backgroundCpuPctAtStart = background;
    result.serverLog = { warnings: server.log.warnings, errors: server.log.errors, last: server.log.last };
    return result;
  } finally {
    await gen?.closeAll().catch(() => {});
    await gen?.stop();
    await server?.stop();
    await redis?.stop();
  }
}

/** Logs in and connects users 0..n-1; throws if any failed (the scenario would measure nothing sound). */
async function usersUp(gen, n) {
  const login = await gen.login(n);
  if (nonZero(login.errors)) throw new Error(`login failed: ${JSON.stringify(login.errors)}`);
  const conn = await gen.connect(n, { concurrency: 32 });
  if (conn.failed) throw new Error(`connect failed: ${JSON.stringify(conn.errors)}`);
  return login.userIds;
}

/** Public chats of `size` members (the last may be smaller); returns [{ chatId, members: [idx] }]. */
async function publicGroups(gen, n, size) {
  const groups = [];
  for (let first = 0; first < n; first += size) {
    groups.push({ key: `g${first}`, members: Array.from({ length: Math.min(size, n - first) }, (_, j) => first + j) });
  }
  const created = await gen.createChats(
    groups.map((g) => ({ key: g.key, idx: g.members[0], kind: 'public', title: `bench ${g.key}` })),
  );
  if (nonZero(created.errors)) throw new Error(`create_public_chat failed: ${JSON.stringify(created.errors)}`);
  for (const g of groups) g.chatId = created.chats.get(g.key);
  const joins = groups.flatMap((g) => g.members.slice(1).map((idx) => ({ idx, chatId: g.chatId })));
  const joined = await gen.joinChats(joins, 16);
  if (nonZero(joined.errors)) throw new Error(`join_chat failed: ${JSON.stringify(joined.errors)}`);
  return groups;
}

/** CPU (% of one core) that processes other than ours took between two snapshots. */
function backgroundPct(before, after) {
  const ours =
    after.server.cpuMs -
    before.server.cpuMs +
    (after.redis.cpuMs - before.redis.cpuMs) +
    (after.gen.cpuMs - before.gen.cpuMs) +
    (after.self - before.self);
  return (Math.max(0, after.system - before.system - ours) / (after.server.at - before.server.at)) * 100;
}

const perSecond = (counts, ms) =>
  Object.fromEntries(Object.entries(counts ?? {}).map(([k, v]) => [k, v / (ms / 1000)]));
const perMessagePerMember = (counts, acked, members) =>
  Object.fromEntries(Object.entries(counts ?? {}).map(([k, v]) => [k, acked && members ? v / acked / members : null]));

/** Adds the server's and Redis's CPU over the window, and what follows from it, to a step's figures. */
function withCpu(res, before, after, members) {
  const serverCpuMs = after.server.cpuMs - before.server.cpuMs;
  const redisCpuMs = after.redis.cpuMs - before.redis.cpuMs;
  const lost = Math.max(0, res.expected - res.received);
  const errors = nonZero(res.errors);
  return {
    ...res,
    members,
    lost,
    serverCpuMs,
    redisCpuMs,
    serverCpuPct: (serverCpuMs / res.windowMs) * 100,
    redisCpuPct: (redisCpuMs / res.windowMs) * 100,
    generatorCpuPct: (res.generatorCpuMs / res.windowMs) * 100,
    // CPU that processes other than ours took meanwhile (% of one core): high means the figures are skewed.
    backgroundCpuPct: backgroundPct(before, after),
    serverRss: after.server.rss,
    ackedPerS: res.acked / (res.durationMs / 1000),
    deliveriesPerS: res.received / (res.durationMs / 1000),
    // µs of CPU per delivered message_created
    serverUsPerDelivery: res.received ? (serverCpuMs * 1000) / res.received : null,
    // The share of that CPU spent in the kernel: the rest is the server's own code (and its runtime's).
    serverKernelPct: serverCpuMs > 0 ? ((after.server.systemMs - before.server.systemMs) / serverCpuMs) * 100 : null,
    // Times the server's event loops (and Redis's) slept and were woken, per acknowledged message.
    serverSleepsPerMessage: res.acked ? (after.server.sleeps - before.server.sleeps) / res.acked : null,
    redisSleepsPerMessage:
      res.acked && after.redis.sleeps ? (after.redis.sleeps - before.redis.sleeps) / res.acked : null,
    totalUsPerDelivery: res.received ? ((serverCpuMs + redisCpuMs) * 1000) / res.received : null,
    redisUsPerDelivery: res.received ? (redisCpuMs * 1000) / res.received : null,
    // Receipts (contract section 10): frames the users sent and events they got, per second of the send window,
    // and events per message per member (a chat's fan-out of receipts beside its fan-out of messages).
    receiptsSentPerS: perSecond(res.receiptsSent, res.durationMs),
    receiptEventsPerS: perSecond(res.receiptEvents, res.durationMs),
    receiptEventsPerMessagePerMember: perMessagePerMember(res.receiptEvents, res.acked, members),
    deliveriesPerMessagePerMember: res.acked && members ? res.received / res.acked / members : null,
    clean:
      lost === 0 &&
      errors === 0 &&
      res.pendingAtEnd === 0 &&
      res.outOfOrder === 0 &&
      res.closed === 0 &&
      res.acked === res.sent &&
      res.latency.p99 !== null &&
      res.latency.p99 < 100,
  };
}

let stepSeq = 0;

async function measuredStep(ctx, rate, durationMs, drainMs, members, { always = false, receipts = false } = {}) {
  const { gen, snap, cfg, target, redis } = ctx;
  const once = async () => {
    let before;
    let after;
    let commands;
    let stalls;
    const res = await gen.step({ step: ++stepSeq, rate, durationMs, drainMs, receipts }, (edge) => {
      if (edge === 'start') {
        redis?.resetStats();
        before = snap();
      } else {
        after = snap();
        commands = redis?.commandStats();
        stalls = redis?.stalls();
      }
    });
    const s = withCpu({ ...res, rate, durationMs }, before, after, members);
    if (commands) {
      s.redisCalls = commands.calls;
      // Redis's own µs per command (a script's include what it ran): where its CPU went, e.g. the receipt script.
      s.redisUsec = commands.usec;
      // Redis commands the server sent per acknowledged message (Lua scripts count as one).
      s.redisCallsPerMessage = s.acked ? Object.values(commands.calls).reduce((a, b) => a + b, 0) / s.acked : null;
    }
    if (stalls) {
      s.redisStallsMs = stalls.ms;
      s.redisForks = stalls.forks;
    }
    return s;
  };
  let s = await once();
  // Another process took CPU meanwhile (a test suite of another session on the same cores): measure again
  // once the machine is quiet, when the figure is one that contention spoils.
  for (let retry = 1; retry <= cfg.retries; retry++) {
    if (s.backgroundCpuPct <= cfg.quietMachinePct || (s.clean && !always)) break;
    const busy = s.backgroundCpuPct;
    log(`  ${target.name} ${rate} msg/s: other processes took ${busy.toFixed(0)}% of a core; again (${retry})`);
    await gen.quiet(cfg.fanout.quietMs, cfg.fanout.quietTimeoutMs);
    await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
    s = await once();
    s.retriedAfterBackgroundPct = busy;
  }
  return s;
}

function stallText(s) {
  const kinds = Object.entries(s.redisStallsMs ?? {});
  const stalls = kinds.length ? `, redis stalled (${kinds.map(([kind, ms]) => `${kind} ${ms} ms`).join(', ')})` : '';
  const forks = s.redisForks ? `, redis forked ${s.redisForks}× (AOF rewrite)` : '';
  // The generator's own event loop held up this long (the monitor's resolution is 5 ms): its lateness, not the server's.
  const gen = s.generatorStallMaxMs > 20 ? `, generator stalled ${s.generatorStallMaxMs.toFixed(0)} ms` : '';
  return `${stalls}${forks}${gen}`;
}

/** Receipt frames sent and events received per second, for a step's line. */
function receiptText(s) {
  const sent = Object.values(s.receiptsSentPerS ?? {}).reduce((a, b) => a + b, 0);
  const got = Object.entries(s.receiptEventsPerS ?? {}).filter(([, v]) => v > 0);
  if (!sent && !got.length) return '';
  const kinds = got.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' ');
  return `, receipts sent ${sent.toFixed(0)}/s, got ${kinds || 'none'}/s`;
}

function describe(s) {
  const f = (v) => (v === null || v === undefined ? '-' : v.toFixed(1));
  return (
    `${s.rate} msg/s: acked ${s.ackedPerS.toFixed(0)}/s, delivered ${s.deliveriesPerS.toFixed(0)}/s, ` +
    `p50 ${f(s.latency.p50)} p99 ${f(s.latency.p99)} max ${f(s.latency.max)} ms, lost ${s.lost}, ` +
    `errors ${nonZero(s.errors)}${s.closed ? `, closed ${s.closed}` : ''}${s.pendingAtEnd ? `, unacked ${s.pendingAtEnd}` : ''}, server ${s.serverCpuPct.toFixed(0)}% redis ${s.redisCpuPct.toFixed(0)}% ` +
    `gen ${s.generatorCpuPct.toFixed(0)}% other ${s.backgroundCpuPct.toFixed(0)}%` +
    `${receiptText(s)}${stallText(s)}${s.clean ? '' : ' — NOT CLEAN'}`
  );
}

/** Every target up at once (nested withTarget), so one scenario can measure them in turns. */
function withTargets(targets, cfg, fn, ctxs = []) {
  if (ctxs.length === targets.length) return fn(ctxs);
  return withTarget(targets[ctxs.length], cfg, (ctx) => withTargets(targets, cfg, fn, [...ctxs, ctx]));
}

/** Users in public chats of `group` members, every user a sender into its own chat, warmed up. */
async function fanoutSetUp(ctx, c) {
  const { gen, target } = ctx;
  await usersUp(gen, c.users);
  const groups = await publicGroups(gen, c.users, c.group);
  const plan = groups.flatMap((g) => g.members.map((idx) => ({ idx, chatId: g.chatId, members: g.members.length })));
  await gen.arm(plan);
  log(`  ${target.name}: ${c.users} users in ${groups.length} chats of ${c.group}; warm-up`);
  await measuredStep(ctx, c.warmup.rate, c.warmup.durationMs, c.drainMs, c.group);
}

/** The round whose CPU per delivery is the median, with every round's figures beside it. */
function medianRound(steps) {
  const sorted = [...steps].sort((x, y) => (x.serverUsPerDelivery ?? Infinity) - (y.serverUsPerDelivery ?? Infinity));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return {
    ...median,
    rounds: steps.map((s) => ({
      serverUsPerDelivery: s.serverUsPerDelivery,
      totalUsPerDelivery: s.totalUsPerDelivery,
      redisUsPerDelivery: s.redisUsPerDelivery,
      serverSleepsPerMessage: s.serverSleepsPerMessage,
      serverCpuPct: s.serverCpuPct,
      backgroundCpuPct: s.backgroundCpuPct,
      p50: s.latency.p50,
      p99: s.latency.p99,
      clean: s.clean,
      ...(s.receipts || nonZero(s.receiptEvents)
        ? { receiptsSent: s.receiptsSent, receiptEvents: s.receiptEvents }
        : {}),
    })),
  };
}

/**
 * (cpu) CPU per delivery at the fixed moderate load, every target set up at once and measured in rounds:
 * each round measures each target once, one after another, the first one rotating. This machine's speed
 * drifts by tens of percent over minutes (other tenants of the host), so figures taken minutes apart, one per
 * target, compare poorly; rounds put each target's windows next to the others', and each target's figure is
 * the median of its rounds (`rounds` keeps them all).
 */
export async function cpuRounds(targets, cfg) {
  const c = cfg.fanout;
  const steps = Object.fromEntries(targets.map((t) => [t.name, []]));
  const failed = {};
  await withTargets(targets, cfg, async (ctxs) => {
    const ready = [];
    for (const ctx of ctxs) {
      try {
        await fanoutSetUp(ctx, c);
        ready.push(ctx);
      } catch (err) {
        log(`  ${ctx.target.name} cpu set-up FAILED: ${err.stack ?? err}`);
        failed[ctx.target.name] = { failed: String(err.message ?? err) };
      }
    }
    // One window of the fixed load. `once`: not measured again when other processes were busy (in the settling
    // round nothing is kept; together, each target counts the others as background).
    const fixed = [c.fixed.rate, c.fixed.durationMs, c.drainMs, c.group];
    const fixedLoad = (ctx, once = false) =>
      measuredStep(once ? { ...ctx, cfg: { ...cfg, retries: 0 } } : ctx, ...fixed, { always: true });
    const keep = (ctx, round, s, how = '') => {
      steps[ctx.target.name].push(s);
      log(
        `  ${ctx.target.name} round ${round + 1} fixed load${how} ${describe(s)}, ${s.serverUsPerDelivery?.toFixed(1)} µs/delivery`,
      );
    };
    // One round at the fixed load first, not counted: the first window after set-up was often dearer than the
    // next ones (Papo's by 22% in both full runs of the afternoon of 26 Nov), code still being optimised at
    // this rate and heaps still growing.
    if (c.settleRound) {
      for (const ctx of ready) {
        await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
        const s = await fixedLoad(ctx, true);
        log(`  ${ctx.target.name} settling round (not counted) ${s.serverUsPerDelivery?.toFixed(1)} µs/delivery`);
      }
    }
    for (let round = 0; round < c.cpuRounds; round++) {
      // The first one rotates, in turns and together alike: starting first was seen to cost a few percent.
      const order = ready.map((_, k) => ready[(k + round) % ready.length]);
      if (c.together) {
        // Every target under the fixed load at once: the machine's drift falls on all of them alike, which
        // turns rounds minutes apart into windows side by side (for an A/B of one change, `papobase`).
        await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
        const all = await Promise.all(order.map((ctx) => fixedLoad(ctx, true)));
        for (const [k, s] of all.entries()) keep(order[k], round, s, ' (together)');
        continue;
      }
      for (const ctx of order) {
        // The target before may still be busy (garbage collection, a drain): its CPU would count as others'.
        await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
        keep(ctx, round, await fixedLoad(ctx));
      }
    }
    return {};
  });
  return Object.fromEntries(targets.map((t) => [t.name, failed[t.name] ?? medianRound(steps[t.name])]));
}

/** (a) the fan-out ramp: the rate stepped up until a step is not clean, then refined between. */
export async function fanout(target, cfg, { latencyRef }) {
  const c = cfg.fanout;
  return withTarget(target, cfg, async (ctx) => {
    const { gen } = ctx;
    await fanoutSetUp(ctx, c);
    const out = {};
    out.steps = [];
    let best = null;
    let worst = null;
    const measure = async (rate) => {
      const s = await measuredStep(ctx, rate, c.stepMs, c.drainMs, c.group);
      out.steps.push(s);
      log(`  ${target.name} step ${describe(s)}`);
      if (!s.clean) {
        // An overloaded server still works through its backlog: the next step starts once it is over.
        const waited = await gen.quiet(c.quietMs, c.quietTimeoutMs);
        log(`  ${target.name} backlog over after ${(waited / 1000).toFixed(1)} s`);
      }
      return s.clean;
    };
    // A step that is not clean is measured once more: on shared cores one hiccup (a GC pause of the generator,
    // another process) can spoil a step the server passes, and the ramp would stop below it for good. The
    // same rule for every target; a rate the server cannot take fails both times.
    const tryRate = async (rate) => {
      const clean = (await measure(rate)) || (await measure(rate));
      if (clean) best = best === null || rate > best ? rate : best;
      else worst = worst === null || rate < worst ? rate : worst;
      return clean;
    };
    for (const rate of c.rates) if (!(await tryRate(rate))) break;
    for (let i = 0; i < c.refine && best !== null && worst !== null; i++) {
      const mid = Math.round((best + worst) / 2 / 10) * 10;
      if (mid <= best || mid >= worst) break;
      await tryRate(mid);
    }
    out.highestCleanRate = best ?? 0;
    out.firstUncleanRate = worst;
    out.rampCeilinged = worst === null; // clean up to the last rate tried
    // Latency at a quarter and a half of the reference rate (Papo's highest clean rate, see run.mjs).
    const ref = latencyRef(out.highestCleanRate);
    if (ref > 0) {
      out.latencyRef = ref;
      out.atQuarter = await measuredStep(ctx, Math.round(ref / 4), c.stepMs, c.drainMs, c.group);
      log(`  ${target.name} quarter ${describe(out.atQuarter)}`);
      out.atHalf = await measuredStep(ctx, Math.round(ref / 2), c.stepMs, c.drainMs, c.group);
      log(`  ${target.name} half ${describe(out.atHalf)}`);
    }
    return out;
  });
}

/** (b) one public chat of `users` members; `senders` of them send. */
export async function bigChat(target, cfg) {
  const c = cfg.bigChat;
  return withTarget(target, cfg, async (ctx) => {
    const { gen } = ctx;
    await usersUp(gen, c.users);
    log(`  ${target.name}: ${c.users} users joining one chat`);
    const [group] = await publicGroups(gen, c.users, c.users);
    const plan = group.members.slice(0, c.senders).map((idx) => ({ idx, chatId: group.chatId, members: c.users }));
    await gen.arm(plan);
    await sleep(1000); // the chat_member_added flood of the joins is over
    const s = await measuredStep(ctx, c.rate, c.durationMs, c.drainMs, c.users);
    log(`  ${target.name} ${describe(s)}`);
    return { run: s };
  });
}

/**
 * (g) one private group of MAX_GROUP_MEMBERS (1,024) members, made as a person would: create_group with the
 * first 255, then add_members 255 at a time; the same senders and rate as (b), so the two compare. Papo only.
 */
export async function bigGroup(target, cfg) {
  const c = cfg.bigGroup;
  if (target.kind !== 'papo') return { failed: 'groups are Papo’s own' };
  return withTarget(target, cfg, async (ctx) => {
    await bigGroupSetUp(ctx, c);
    const s = await measuredStep(ctx, c.rate, c.durationMs, c.drainMs, c.users);
    log(`  ${ctx.target.name} ${describe(s)}`);
    return { run: s };
  });
}

/** (g)'s group: `c.users` members, the first `c.senders` of them armed as senders. */
async function bigGroupSetUp(ctx, c) {
  const { gen, target } = ctx;
  const userIds = await usersUp(gen, c.users);
  log(`  ${target.name}: one group of ${c.users} members`);
  const first = userIds.slice(1, 256);
  const created = await gen.createChats([
    { key: 'group', idx: 0, kind: 'group', title: 'bench group', memberIds: first },
  ]);
  if (nonZero(created.errors)) throw new Error(`create_group failed: ${JSON.stringify(created.errors)}`);
  const chatId = created.chats.get('group');
  const batches = [];
  for (let at = 256; at < c.users; at += 255) batches.push(userIds.slice(at, at + 255));
  const added = await gen.addMembers(0, chatId, batches);
  if (nonZero(added.errors)) throw new Error(`add_members failed: ${JSON.stringify(added.errors)}`);
  const members = Array.from({ length: c.users }, (_, idx) => idx);
  const missing = await gen.awaitChats(members.map((idx) => ({ idx, chatId })));
  if (missing) throw new Error(`${missing} members never got chat_added`);
  await gen.arm(members.slice(0, c.senders).map((idx) => ({ idx, chatId, members: c.users })));
  await sleep(1000); // the member events and system messages of the additions are over
}

/**
 * Private groups of `size` members (create_group by the first, with the others; the last may be smaller), every
 * member told (chat_added) before it returns; returns [{ chatId, members: [idx] }].
 */
async function privateGroups(gen, userIds, n, size) {
  const groups = [];
  for (let first = 0; first < n; first += size) {
    groups.push({ key: `g${first}`, members: Array.from({ length: Math.min(size, n - first) }, (_, j) => first + j) });
  }
  const created = await gen.createChats(
    groups.map((g) => ({
      key: g.key,
      idx: g.members[0],
      kind: 'group',
      title: `bench ${g.key}`,
      memberIds: g.members.slice(1).map((idx) => userIds[idx]),
    })),
  );
  if (nonZero(created.errors)) throw new Error(`create_group failed: ${JSON.stringify(created.errors)}`);
  for (const g of groups) g.chatId = created.chats.get(g.key);
  const missing = await gen.awaitChats(groups.flatMap((g) => g.members.map((idx) => ({ idx, chatId: g.chatId }))));
  if (missing) throw new Error(`${missing} members never got chat_added`);
  return groups;
}

/**
 * The same load with the users' receipts off and on, in rounds on one set-up (one server, one Redis, the same
 * connections and chats): each round measures both, the first one alternating, after one settling round of
 * each that is not counted. Receipts are the clients' doing, so nothing else differs between the two, and
 * windows a minute apart on the same server are what the machine's drift spoils least (see cpuRounds). The
 * figure of each is its median round; `byRound` is on/off within each round (windows side by side).
 */
async function receiptRounds(ctx, { rate, durationMs, drainMs, members, rounds, settle }) {
  const { cfg, target } = ctx;
  const steps = { off: [], on: [] };
  const window = (receipts, once = false) =>
    measuredStep(once ? { ...ctx, cfg: { ...cfg, retries: 0 } } : ctx, rate, durationMs, drainMs, members, {
      always: true,
      receipts,
    });
  const name = (receipts) => (receipts ? 'receipts on ' : 'receipts off');
  if (settle) {
    for (const receipts of [false, true]) {
      await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
      const s = await window(receipts, true);
      log(`  ${target.name} settling round (not counted), ${name(receipts)}: ${describe(s)}`);
    }
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    const byKind = {};
    for (const receipts of order) {
      await waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
      const s = await window(receipts);
      byKind[receipts ? 'on' : 'off'] = s;
      log(
        `  ${target.name} round ${round + 1} ${name(receipts)}: ${describe(s)}, ${s.serverUsPerDelivery?.toFixed(1)} µs/delivery (+redis ${s.redisUsPerDelivery?.toFixed(1)})`,
      );
    }
    steps.off.push(byKind.off);
    steps.on.push(byKind.on);
  }
  const off = medianRound(steps.off);
  const on = medianRound(steps.on);
  const byRound = steps.on.map((s, i) => ratio(s.serverUsPerDelivery, steps.off[i].serverUsPerDelivery));
  const totalByRound = steps.on.map((s, i) => ratio(s.totalUsPerDelivery, steps.off[i].totalUsPerDelivery));
  return {
    off,
    on,
    // The receipts' whole cost: server CPU per delivered message_created with receipts over without, as the
    // median of the rounds' ratios (two windows side by side each): the figure to judge. The ratio of each
    // one's median round is beside it; on a busy machine the two medians fall in different rounds.
    medianOfRoundRatios: median(byRound),
    medianOfTotalRoundRatios: median(totalByRound),
    byRound,
    totalByRound,
    serverRatio: ratio(on.serverUsPerDelivery, off.serverUsPerDelivery),
    totalRatio: ratio(on.totalUsPerDelivery, off.totalUsPerDelivery),
    redisRatio: ratio(on.redisUsPerDelivery, off.redisUsPerDelivery),
  };
}

const ratio = (a, b) => (a && b ? a / b : null);
const median = (list) => {
  const sorted = list.filter((v) => v !== null).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
};

/**
 * (r) receipts at the fixed load: the users of (cpu) in private groups of 10 (receipts mean something in groups
 * only: a public chat has no ticks), 1,000 msg/s, every user a sender; with receipts on, every client does what
 * the SDK does for a chat it has open (read at once, at most one flush a second per chat). Papo only.
 */
export async function receiptsFixed(target, cfg) {
  const c = cfg.fanout;
  if (target.kind !== 'papo') return { failed: 'groups and receipts are Papo’s own' };
  return withTarget(target, cfg, async (ctx) => {
    const { gen } = ctx;
    const userIds = await usersUp(gen, c.users);
    const groups = await privateGroups(gen, userIds, c.users, c.group);
    const plan = groups.flatMap((g) => g.members.map((idx) => ({ idx, chatId: g.chatId, members: g.members.length })));
    await gen.arm(plan);
    log(`  ${target.name}: ${c.users} users in ${groups.length} private groups of ${c.group}; warm-up with receipts`);
    await measuredStep(ctx, c.warmup.rate, c.warmup.durationMs, c.drainMs, c.group, { receipts: true });
    return receiptRounds(ctx, {
      rate: c.fixed.rate,
      durationMs: c.fixed.durationMs,
      drainMs: c.drainMs,
      members: c.group,
      rounds: c.cpuRounds,
      settle: c.settleRound,
    });
  });
}

/**
 * (rg) (g)'s group of 1,024 with every member doing the SDK's receipts, against (g) without them, in rounds on
 * the same set-up. Above RECEIPTS_FANOUT_MAX_MEMBERS only chat_receipts may go out: a per-user receipt event
 * here is a fault, and counts as one. Papo only.
 */
export async function bigGroupReceipts(target, cfg) {
  const c = cfg.bigGroup;
  if (target.kind !== 'papo') return { failed: 'groups and receipts are Papo’s own' };
  return withTarget(target, cfg, async (ctx) => {
    await bigGroupSetUp(ctx, c);
    const out = await receiptRounds(ctx, {
      rate: c.rate,
      durationMs: c.durationMs,
      drainMs: c.drainMs,
      members: c.users,
      rounds: cfg.fanout.cpuRounds,
      settle: cfg.fanout.settleRound,
    });
    const perUser = [...out.on.rounds, ...out.off.rounds].reduce(
      (a, r) => a + (r.receiptEvents?.delivered_receipt ?? 0) + (r.receiptEvents?.read_receipt ?? 0),
      0,
    );
    out.perUserEventsAboveFanoutMax = perUser;
    if (perUser) log(`  ${target.name}: ${perUser} per-user receipt events in a group above 32 members`);
    return out;
  });
}

/** (c) DMs between pairs: user 2i opens a DM with user 2i+1; everyone sends into their DM. */
export async function dms(target, cfg) {
  const c = cfg.dms;
  return withTarget(target, cfg, async (ctx) => {
    const { gen } = ctx;
    const userIds = await usersUp(gen, c.pairs * 2);
    const items = Array.from({ length: c.pairs }, (_, i) => ({
      key: `d${i}`,
      idx: 2 * i,
      kind: 'dm',
      peerUserId: userIds[2 * i + 1],
    }));
    const created = await gen.createChats(items);
    if (nonZero(created.errors)) throw new Error(`create_dm failed: ${JSON.stringify(created.errors)}`);
    const peers = items.map((it, i) => ({ idx: 2 * i + 1, chatId: created.chats.get(it.key) }));
    const missing = await gen.awaitChats(peers);
    if (missing) throw new Error(`${missing} peers never got dm_ready`);
    const plan = peers.flatMap(({ idx, chatId }) => [
      { idx: idx - 1, chatId, members: 2 },
      { idx, chatId, members: 2 },
    ]);
    await gen.arm(plan);
    await measuredStep(ctx, c.warmup.rate, c.warmup.durationMs, c.drainMs, 2);
    const s = await measuredStep(ctx, c.rate, c.durationMs, c.drainMs, 2);
    log(`  ${target.name} ${describe(s)}`);
    return { run: s };
  });
}

/**
 * (d) idle authenticated connections: server RSS before and after, per connection. One process cannot hold
 * more sockets than its open-files hard limit, so a one-process target holds a little under it.
 */
export async function idle(target, cfg) {
  const c = cfg.idle;
  const perProcess = hardFileLimit() - 300;
  const n = Math.min(c.connections, perProcess * target.workers);
  return withTarget(target, cfg, async (ctx) => {
    const { gen, snap } = ctx;
    const login = await gen.login(n, 64);
    if (nonZero(login.errors)) throw new Error(`login failed: ${JSON.stringify(login.errors)}`);
    await sleep(c.settleMs);
    const before = snap();
    const conn = await gen.connect(n, { concurrency: 128, addresses: ADDRESSES });
    await sleep(c.settleMs);
    const after = snap();
    const res = {
      connections: n,
      ok: conn.ok,
      failed: conn.failed,
      errors: conn.errors,
      connectMs: conn.ms,
      rssBefore: before.server.rss,
      rssAfter: after.server.rss,
      bytesPerConnection: conn.ok ? (after.server.rss - before.server.rss) / conn.ok : null,
      redisBytesPerConnection: conn.ok ? (after.redis.rss - before.redis.rss) / conn.ok : null,
      connectCpuMs: after.server.cpuMs - before.server.cpuMs,
      backgroundCpuPct: backgroundPct(before, after),
    };
    log(
      `  ${target.name}: ${conn.ok}/${n} idle connections, ${(res.bytesPerConnection / 1024).toFixed(1)} KiB each ` +
        `(server), ${(res.redisBytesPerConnection / 1024).toFixed(2)} KiB each (redis), ` +
        `other processes ${res.backgroundCpuPct.toFixed(0)}%` +
        (conn.failed ? `, errors ${JSON.stringify(conn.errors)}` : ''),
    );
    return res;
  });
}

/** (e) a connect storm: pre-logged-in users open their sockets all at once; authenticated connections per second. */
export async function storm(target, cfg) {
  const c = cfg.storm;
  return withTarget(target, cfg, async (ctx) => {
    const { gen, snap } = ctx;
    const login = await gen.login(c.connections, 64);
    if (nonZero(login.errors)) throw new Error(`login failed: ${JSON.stringify(login.errors)}`);
    await sleep(500);
    const before = snap();
    const conn = await gen.connect(c.connections, {
      concurrency: Math.ceil(c.inFlight / gen.size),
      addresses: ADDRESSES,
      storm: true,
    });
    const after = snap();
    const res = {
      connections: c.connections,
      ok: conn.ok,
      failed: conn.failed,
      errors: conn.errors,
      ms: conn.ms,
      perS: conn.ok / (conn.ms / 1000),
      latency: conn.latency,
      serverCpuMs: after.server.cpuMs - before.server.cpuMs,
      redisCpuMs: after.redis.cpuMs - before.redis.cpuMs,
      backgroundCpuPct: backgroundPct(before, after),
    };
    res.serverCpuMsPerConnection = conn.ok ? res.serverCpuMs / conn.ok : null;
    log(
      `  ${target.name}: ${conn.ok}/${c.connections} in ${conn.ms.toFixed(0)} ms = ${res.perS.toFixed(0)}/s, ` +
        `p50 ${conn.latency.p50?.toFixed(1)} p99 ${conn.latency.p99?.toFixed(1)} ms, ` +
        `other processes ${res.backgroundCpuPct.toFixed(0)}%` +
        (conn.failed ? `, errors ${JSON.stringify(conn.errors)}` : ''),
    );
    return res;
  });
}

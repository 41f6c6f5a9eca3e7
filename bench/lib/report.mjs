// What a run prints and draws: tables on the terminal, issue 5's ratios, and an SVG chart written by hand.
const f1 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));
const f2 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(2));
const int = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Math.round(v).toLocaleString('en-US'));
const kib = (v) => (v === null || v === undefined ? '-' : (v / 1024).toFixed(1));
const mib = (v) => (v === null || v === undefined ? '-' : (v / 2 ** 20).toFixed(0));
const errs = (e) => {
  const entries = Object.entries(e ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}:${v}`).join(' ') : '0';
};

function table(title, targets, rows) {
  const head = ['', ...targets.map((t) => t.name)];
  const body = rows.map(([label, cell]) => [label, ...targets.map((t) => cell(t))]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])));
  console.log(`\n${title}`);
  console.log(line(head).join('  '));
  for (const r of body) console.log(line(r).join('  '));
}

/** Rows common to every open-loop run. */
function runRows(get) {
  const cell = (fn) => (t) => {
    const s = get(t);
    if (!s) return '-';
    if (s.failed) return 'failed';
    return fn(s);
  };
  return [
    ['offered msg/s', cell((s) => int(s.rate))],
    ['acked/s', cell((s) => int(s.ackedPerS))],
    ['deliveries/s', cell((s) => int(s.deliveriesPerS))],
    ['latency p50 ms', cell((s) => f2(s.latency.p50))],
    ['latency p90 ms', cell((s) => f2(s.latency.p90))],
    ['latency p99 ms', cell((s) => f2(s.latency.p99))],
    ['latency max ms', cell((s) => f1(s.latency.max))],
    ['send→ack p50 ms', cell((s) => f2(s.ackLatency.p50))],
    ['lost deliveries', cell((s) => int(s.lost))],
    ['out of order', cell((s) => int(s.outOfOrder))],
    ['unacked at end', cell((s) => int(s.pendingAtEnd))],
    ['connections dropped', cell((s) => int(s.closed))],
    ['errors', cell((s) => errs(s.errors))],
    ['server CPU %', cell((s) => f1(s.serverCpuPct))],
    ['redis CPU %', cell((s) => f1(s.redisCpuPct))],
    ['generator CPU %', cell((s) => f1(s.generatorCpuPct))],
    ['other processes CPU %', cell((s) => f1(s.backgroundCpuPct))],
    ['server µs CPU/delivery', cell((s) => f2(s.serverUsPerDelivery))],
    ['… of it in the kernel %', cell((s) => (s.serverKernelPct == null ? '-' : s.serverKernelPct.toFixed(0)))],
    ['+redis µs CPU/delivery', cell((s) => f2(s.totalUsPerDelivery))],
    ['server sleeps/message', cell((s) => f2(s.serverSleepsPerMessage))],
    ['redis sleeps/message', cell((s) => f2(s.redisSleepsPerMessage))],
    ['server RSS MiB', cell((s) => mib(s.serverRss))],
    ['redis commands/message', cell((s) => f2(s.redisCallsPerMessage))],
    ['generator send lag p99 ms', cell((s) => f2(s.sendLag.p99))],
  ];
}

const ratio = (a, b) => (a && b ? a / b : null);
/** Issue 19: the whole cost of receipts at (r)'s load, as server CPU per delivery with them over without. */
const RECEIPTS_BUDGET = 1.25;
/** Judged on the median of the rounds' ratios: each round's off and on windows are side by side. */
const withinBudget = (r) => r.medianOfRoundRatios !== null && r.medianOfRoundRatios <= RECEIPTS_BUDGET;

/** (r) and (rg): receipts off and on side by side for one target, with the ratio where one means something. */
function receiptTable(title, r) {
  const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
  const rows = [
    ['offered msg/s', (x) => int(x.rate)],
    ['acked/s', (x) => int(x.ackedPerS)],
    ['message_created deliveries/s', (x) => int(x.deliveriesPerS)],
    ['latency p50 ms', (x) => f2(x.latency.p50)],
    ['latency p99 ms', (x) => f2(x.latency.p99)],
    ['latency max ms', (x) => f1(x.latency.max)],
    ['lost, out of order, unacked, dropped', (x) => `${x.lost} ${x.outOfOrder} ${x.pendingAtEnd} ${x.closed}`],
    ['errors', (x) => errs(x.errors)],
    ['server CPU %', (x) => f1(x.serverCpuPct)],
    ['redis CPU %', (x) => f1(x.redisCpuPct)],
    ['generator CPU %', (x) => f1(x.generatorCpuPct)],
    ['other processes CPU %', (x) => f1(x.backgroundCpuPct)],
    ['server µs CPU/delivery', (x) => f2(x.serverUsPerDelivery), true],
    ['redis µs CPU/delivery', (x) => f2(x.redisUsPerDelivery), true],
    ['+redis µs CPU/delivery', (x) => f2(x.totalUsPerDelivery), true],
    ['redis commands/message', (x) => f2(x.redisCallsPerMessage), true],
    ['receipt frames sent/s', (x) => int(sum(x.receiptsSentPerS))],
    [
      '… read_receipt / received',
      (x) => `${int(x.receiptsSentPerS?.read_receipt)} / ${int(x.receiptsSentPerS?.received)}`,
    ],
    ['events/s delivered_receipt', (x) => int(x.receiptEventsPerS?.delivered_receipt)],
    ['events/s read_receipt', (x) => int(x.receiptEventsPerS?.read_receipt)],
    ['events/s chat_receipts', (x) => int(x.receiptEventsPerS?.chat_receipts)],
    ['message_created per message per member', (x) => f2(x.deliveriesPerMessagePerMember)],
    ['chat_receipts per message per member', (x) => f2(x.receiptEventsPerMessagePerMember?.chat_receipts)],
    [
      'per-user receipt events per message per member',
      (x) =>
        f2(
          (x.receiptEventsPerMessagePerMember?.delivered_receipt ?? 0) +
            (x.receiptEventsPerMessagePerMember?.read_receipt ?? 0),
        ),
    ],
  ];
  const head = ['', 'receipts off', 'receipts on', 'on/off'];
  const body = rows.map(([label, cell, withRatio]) => {
    const a = cell(r.off);
    const b = cell(r.on);
    return [label, a, b, withRatio ? f2(ratio(Number(b), Number(a))) : ''];
  });
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => String(row[i]).length)));
  const line = (row) => row.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])));
  console.log(`\n${title}`);
  console.log(line(head).join('  '));
  for (const row of body) console.log(line(row).join('  '));
  console.log(
    `  server µs CPU/delivery by round, off: ${r.off.rounds.map((x) => f2(x.serverUsPerDelivery)).join(' ')}; on: ${r.on.rounds.map((x) => f2(x.serverUsPerDelivery)).join(' ')}`,
  );
  console.log(
    `  on/off by round: ${r.byRound.map(f2).join(' ')} (median ${f2(r.medianOfRoundRatios)}); with Redis: ${r.totalByRound.map(f2).join(' ')} (median ${f2(r.medianOfTotalRoundRatios)})`,
  );
  console.log(
    `  other processes CPU % by round, off: ${r.off.rounds.map((x) => f1(x.backgroundCpuPct)).join(' ')}; on: ${r.on.rounds.map((x) => f1(x.backgroundCpuPct)).join(' ')}`,
  );
}

/** Round by round (cpu scenario): a target's figure over another's measured in the same round. */
const roundRatios = (a, b) =>
  a?.rounds && b?.rounds
    ? a.rounds.map((r, i) => ratio(r.serverUsPerDelivery, b.rounds[i]?.serverUsPerDelivery))
    : undefined;

/** Issue 5's targets as ratios, for each Papo target present. */
export function summarize(results, targets) {
  const s = results.scenarios;
  const ok = (v) => v && !v.failed;
  // A diagnostic (papolocal) is not a way Papo runs: no targets are checked for it.
  const papos = targets.filter((t) => t.kind === 'papo' && !t.diagnostic).map((t) => t.name);
  const sio = targets.filter((t) => t.kind === 'socketio').map((t) => t.name);
  const best = (names, pick) => Math.max(0, ...names.map((n) => pick(n) ?? 0));
  const rateOf = (n) => (ok(s.a?.[n]) ? s.a[n].highestCleanRate : null);
  const out = { perPapo: {} };
  for (const p of papos) {
    const cpu = s.cpu?.[p];
    const a = s.a?.[p];
    const d = s.d?.[p];
    const r = {};
    if (ok(cpu)) {
      r.cpuPerDeliveryVsSocketio = ratio(cpu.serverUsPerDelivery, s.cpu?.socketio?.serverUsPerDelivery);
      r.cpuPerDeliveryVsCeiling = ratio(cpu.serverUsPerDelivery, s.cpu?.ceiling?.serverUsPerDelivery);
      r.cpuWithRedisVsSocketio = ratio(cpu.totalUsPerDelivery, s.cpu?.socketio?.totalUsPerDelivery);
      r.cpuPerDeliveryVsSocketioByRound = roundRatios(cpu, s.cpu?.socketio);
      r.cpuPerDeliveryVsCeilingByRound = roundRatios(cpu, s.cpu?.ceiling);
    }
    if (ok(a)) {
      r.highestCleanRate = a.highestCleanRate;
      r.cleanRateVsCeiling = ratio(a.highestCleanRate, rateOf('ceiling'));
      r.cleanRateVsSocketio = ratio(a.highestCleanRate, best(sio, rateOf));
      r.p50AtQuarterMs = a.atQuarter?.latency.p50 ?? null;
      r.p99AtHalfMs = a.atHalf?.latency.p99 ?? null;
      r.latencyRef = a.latencyRef ?? null;
    }
    if (ok(d)) {
      r.memoryVsCeiling = ratio(d.bytesPerConnection, s.d?.ceiling?.bytesPerConnection);
      r.memoryVsSocketio = ratio(d.bytesPerConnection, s.d?.socketio?.bytesPerConnection);
      r.idleHeld = `${d.ok}/${d.connections}`;
    }
    out.perPapo[p] = r;
  }
  if (ok(s.cpu?.papo1) && ok(s.cpu?.papobase)) {
    out.papo1VsBase = {
      cpuPerDelivery: ratio(s.cpu.papo1.serverUsPerDelivery, s.cpu.papobase.serverUsPerDelivery),
      byRound: roundRatios(s.cpu.papo1, s.cpu.papobase),
    };
  }
  if (ok(s.cpu?.papolocal)) {
    // Papo's own work (the sends answered in the worker) and what the store's round trip adds to it.
    const local = s.cpu.papolocal.serverUsPerDelivery;
    const ceiling = s.cpu?.ceiling?.serverUsPerDelivery;
    const papo1 = ok(s.cpu?.papo1) ? s.cpu.papo1.serverUsPerDelivery : null;
    out.papoLocal = {
      vsCeiling: ratio(local, ceiling),
      papo1Over: ratio(papo1, local),
      roundTripVsCeiling: papo1 === null ? null : ratio(papo1 - local, ceiling),
    };
  }
  // Receipts (r, rg): with them over without, on the same set-up; the issue's budget is r's ≤ 1.25.
  for (const id of ['r', 'rg']) {
    for (const p of papos) {
      const r = s[id]?.[p];
      if (!ok(r)) continue;
      out.receipts ??= {};
      out.receipts[`${id}.${p}`] = {
        medianOfRoundRatios: r.medianOfRoundRatios,
        medianOfTotalRoundRatios: r.medianOfTotalRoundRatios,
        byRound: r.byRound,
        serverRatio: r.serverRatio,
        totalRatio: r.totalRatio,
        ...(id === 'r' ? { withinBudget: withinBudget(r) } : {}),
        ...(id === 'rg' ? { perUserEventsAboveFanoutMax: r.perUserEventsAboveFanoutMax } : {}),
      };
    }
  }
  if (ok(s.a?.papo1) && ok(s.a?.papo2)) {
    out.workers2VsWorkers1 = {
      highestCleanRate: ratio(s.a.papo2.highestCleanRate, s.a.papo1.highestCleanRate),
      cpuPerDelivery: ratio(s.cpu?.papo2?.serverUsPerDelivery, s.cpu?.papo1?.serverUsPerDelivery),
    };
  }
  return out;
}

export function printReport(results, targets) {
  const s = results.scenarios;
  const cfg = results.meta.config;
  if (s.cpu) {
    table(
      `CPU per delivery: ${cfg.fanout.fixed.rate} msg/s into chats of ${cfg.fanout.group}, ${cfg.fanout.fixed.durationMs / 1000} s`,
      targets,
      runRows((t) => s.cpu[t.name]),
    );
    const rounds = targets.filter((t) => s.cpu[t.name]?.rounds?.length > 1);
    if (rounds.length) {
      console.log("  server µs CPU/delivery by round (the table shows each target's median round):");
      for (const t of rounds) {
        console.log(
          `    ${t.name.padEnd(10)} ${s.cpu[t.name].rounds.map((r) => f2(r.serverUsPerDelivery)).join('  ')}`,
        );
      }
    }
  }
  if (s.a) {
    const get = (t) => s.a[t.name];
    const cell = (fn) => (t) => (!get(t) ? '-' : get(t).failed ? 'failed' : fn(get(t)));
    const steps = (a) =>
      a.steps.map((x) => `${x.rate}${x.clean ? '✓' : `✗(p99 ${f1(x.latency.p99)}, lost ${x.lost})`}`).join(' ');
    const at = (a, rate) => a.steps.find((x) => x.rate === rate && x.clean);
    table(`(a) fan-out ramp: ${cfg.fanout.users} users in chats of ${cfg.fanout.group}`, targets, [
      ['highest clean msg/s', cell((a) => `${int(a.highestCleanRate)}${a.rampCeilinged ? '+' : ''}`)],
      ['deliveries/s at it', cell((a) => int(at(a, a.highestCleanRate)?.deliveriesPerS))],
      ['p99 ms at it', cell((a) => f2(at(a, a.highestCleanRate)?.latency.p99))],
      ['server CPU % at it', cell((a) => f1(at(a, a.highestCleanRate)?.serverCpuPct))],
      ['generator CPU % at it', cell((a) => f1(at(a, a.highestCleanRate)?.generatorCpuPct))],
      ['first unclean msg/s', cell((a) => int(a.firstUncleanRate))],
      ['latency ref msg/s', cell((a) => int(a.latencyRef))],
      ['p50 ms at ref/4', cell((a) => f2(a.atQuarter?.latency.p50))],
      ['p99 ms at ref/4', cell((a) => f2(a.atQuarter?.latency.p99))],
      ['p50 ms at ref/2', cell((a) => f2(a.atHalf?.latency.p50))],
      ['p99 ms at ref/2', cell((a) => f2(a.atHalf?.latency.p99))],
    ]);
    for (const t of targets) if (get(t) && !get(t).failed) console.log(`  ${t.name} steps: ${steps(get(t))}`);
  }
  if (s.b) {
    table(
      `(b) one chat of ${cfg.bigChat.users} members, ${cfg.bigChat.senders} senders`,
      targets,
      runRows((t) => s.b[t.name]?.run ?? s.b[t.name]),
    );
  }
  if (s.g) {
    table(
      `(g) one private group of ${cfg.bigGroup.users} members, ${cfg.bigGroup.senders} senders`,
      targets,
      runRows((t) => s.g[t.name]?.run ?? s.g[t.name]),
    );
  }
  for (const t of targets) {
    const r = s.r?.[t.name];
    if (r && !r.failed) {
      receiptTable(
        `(r) receipts: ${cfg.fanout.fixed.rate} msg/s into private groups of ${cfg.fanout.group}, ${cfg.fanout.fixed.durationMs / 1000} s, ${t.name} (median rounds)`,
        r,
      );
      console.log(
        `  the whole cost of receipts: server CPU/delivery ×${f2(r.medianOfRoundRatios)} (median of the rounds) ${withinBudget(r) ? 'met' : 'NOT met'} (≤ ${f2(RECEIPTS_BUDGET)}); with Redis ×${f2(r.medianOfTotalRoundRatios)}; of each one's median round ×${f2(r.serverRatio)}`,
      );
    } else if (r?.failed && t.kind === 'papo') console.log(`\n(r) ${t.name}: failed (${r.failed})`);
    const rg = s.rg?.[t.name];
    if (rg && !rg.failed) {
      receiptTable(
        `(rg) one private group of ${cfg.bigGroup.users} members, ${cfg.bigGroup.senders} senders, receipts off and on, ${t.name} (median rounds)`,
        rg,
      );
      console.log(`  per-user receipt events in the group, every round: ${rg.perUserEventsAboveFanoutMax} (must be 0)`);
    } else if (rg?.failed && t.kind === 'papo') console.log(`\n(rg) ${t.name}: failed (${rg.failed})`);
  }
  if (s.c) {
    table(
      `(c) DMs between ${cfg.dms.pairs} pairs`,
      targets,
      runRows((t) => s.c[t.name]?.run ?? s.c[t.name]),
    );
  }
  if (s.d) {
    const cell = (fn) => (t) => (!s.d[t.name] ? '-' : s.d[t.name].failed ? 'failed' : fn(s.d[t.name]));
    table('(d) idle authenticated connections', targets, [
      ['connections held', cell((d) => `${int(d.ok)}/${int(d.connections)}`)],
      ['server KiB/connection', cell((d) => kib(d.bytesPerConnection))],
      ['redis KiB/connection', cell((d) => kib(d.redisBytesPerConnection))],
      ['server RSS before MiB', cell((d) => mib(d.rssBefore))],
      ['server RSS after MiB', cell((d) => mib(d.rssAfter))],
      ['errors', cell((d) => errs(d.errors))],
      ['other processes CPU %', cell((d) => f1(d.backgroundCpuPct))],
    ]);
  }
  if (s.e) {
    const cell = (fn) => (t) => (!s.e[t.name] ? '-' : s.e[t.name].failed ? 'failed' : fn(s.e[t.name]));
    table(`(e) connect storm: ${cfg.storm.connections} connections, ${cfg.storm.inFlight} in flight`, targets, [
      ['authenticated conn/s', cell((e) => int(e.perS))],
      ['connect→auth p50 ms', cell((e) => f1(e.latency.p50))],
      ['connect→auth p99 ms', cell((e) => f1(e.latency.p99))],
      ['server CPU ms/conn', cell((e) => f2(e.serverCpuMsPerConnection))],
      ['errors', cell((e) => errs(e.errors))],
      ['other processes CPU %', cell((e) => f1(e.backgroundCpuPct))],
    ]);
  }
  const sum = results.summary;
  console.log("\nIssue 5's targets (ratios measured in this run)");
  for (const [p, r] of Object.entries(sum.perPapo)) {
    const check = (v, ok) => (v === null || v === undefined ? '-' : `${f2(v)} ${ok(v) ? 'met' : 'NOT met'}`);
    console.log(`  ${p}:`);
    const byRound = (list) => (list?.length > 1 ? `; by round ${list.map(f2).join(' ')}` : '');
    console.log(
      `    CPU/delivery vs Socket.IO   ${check(r.cpuPerDeliveryVsSocketio, (v) => v <= 0.5)} (≤ 0.50)${byRound(r.cpuPerDeliveryVsSocketioByRound)}`,
    );
    console.log(
      `    CPU/delivery vs ceiling     ${check(r.cpuPerDeliveryVsCeiling, (v) => v <= 1.3)} (≤ 1.30)${byRound(r.cpuPerDeliveryVsCeilingByRound)}`,
    );
    console.log(`    (server+redis) vs Socket.IO ${f2(r.cpuWithRedisVsSocketio)}`);
    console.log(`    clean rate vs ceiling       ${check(r.cleanRateVsCeiling, (v) => v >= 0.9)} (≥ 0.90)`);
    console.log(`    clean rate vs Socket.IO     ${check(r.cleanRateVsSocketio, (v) => v >= 1.8)} (≥ 1.80)`);
    console.log(`    p50 at ref/4 ms             ${check(r.p50AtQuarterMs, (v) => v <= 2)} (≤ 2)`);
    console.log(`    p99 at ref/2 ms             ${check(r.p99AtHalfMs, (v) => v <= 20)} (≤ 20)`);
    console.log(`    memory vs ceiling           ${check(r.memoryVsCeiling, (v) => v <= 1.2)} (≤ 1.20)`);
    console.log(`    memory vs Socket.IO         ${check(r.memoryVsSocketio, (v) => v <= 0.75)} (≤ 0.75)`);
    console.log(`    idle connections held       ${r.idleHeld ?? '-'}`);
  }
  if (sum.papo1VsBase) {
    const b = sum.papo1VsBase;
    console.log(`  papo1 vs papobase: CPU/delivery ×${f2(b.cpuPerDelivery)}; by round ${b.byRound?.map(f2).join(' ')}`);
  }
  if (sum.papoLocal) {
    const l = sum.papoLocal;
    console.log(
      `  papolocal (sends answered in the worker): CPU/delivery ×${f2(l.vsCeiling)} the ceiling's; papo1 ×${f2(l.papo1Over)} of it, the round trip adding ×${f2(l.roundTripVsCeiling)} the ceiling's`,
    );
  }
  if (sum.workers2VsWorkers1) {
    const w = sum.workers2VsWorkers1;
    console.log(
      `  WORKERS=2 vs 1: highest clean rate ×${f2(w.highestCleanRate)}, CPU/delivery ×${f2(w.cpuPerDelivery)}`,
    );
  }
}

// ---- SVG ----

const COLORS = {
  papo1: '#2563eb',
  papo2: '#1e3a8a',
  papobase: '#7c3aed',
  papolocal: '#0891b2',
  socketio: '#dc2626',
  socketio2: '#f97316',
  ceiling: '#6b7280',
};
const esc = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
const W = 470;
const H = 270;

function text(x, y, s, attrs = '') {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

/** Horizontal bars, one per target, optionally with a second stacked segment. */
function barPanel(title, unit, rows) {
  const max = Math.max(1e-9, ...rows.map((r) => (r.value ?? 0) + (r.extra ?? 0)));
  const left = 150;
  const width = W - left - 70;
  const barH = Math.min(32, (H - 70) / Math.max(1, rows.length) - 8);
  const out = [text(10, 22, title, 'class="title"')];
  rows.forEach((r, i) => {
    const y = 44 + i * (barH + 8);
    out.push(text(left - 8, y + barH / 2 + 4, r.label, 'text-anchor="end"'));
    if (r.value === null || r.value === undefined) {
      out.push(text(left + 4, y + barH / 2 + 4, 'n/a', 'class="dim"'));
      return;
    }
    const w1 = (r.value / max) * width;
    out.push(`<rect x="${left}" y="${y}" width="${w1.toFixed(1)}" height="${barH}" fill="${r.color}"/>`);
    let end = left + w1;
    if (r.extra) {
      const w2 = (r.extra / max) * width;
      out.push(
        `<rect x="${end.toFixed(1)}" y="${y}" width="${w2.toFixed(1)}" height="${barH}" fill="${r.color}" opacity="0.35"/>`,
      );
      end += w2;
    }
    out.push(text(end + 4, y + barH / 2 + 4, `${r.text ?? f2(r.value)} ${unit}`));
  });
  return out.join('');
}

/** One step per rate, by rate: a rate measured twice (its first try was not clean) shows the try that counted. */
function countedSteps(steps) {
  const byRate = new Map();
  for (const step of steps) if (!byRate.get(step.rate)?.clean) byRate.set(step.rate, step);
  return [...byRate.values()].sort((a, b) => a.rate - b.rate);
}

/** p99 latency against offered rate, log-log, one line per target. */
function rampPanel(results, targets) {
  const series = targets
    .map((t) => ({ t, steps: countedSteps(results.scenarios.a?.[t.name]?.steps ?? []) }))
    .filter((s) => s.steps.length);
  const out = [text(10, 22, '(a) p99 send→deliver latency vs offered msg/s (log-log)', 'class="title"')];
  if (!series.length) return out.join('');
  const all = series.flatMap((s) => s.steps);
  const xs = all.map((s) => s.rate);
  const ys = all.map((s) => Math.max(0.1, s.latency.p99 ?? 0.1));
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs)) + 1e-9];
  const [y0, y1] = [Math.log10(Math.min(0.5, ...ys)), Math.log10(Math.max(200, ...ys))];
  const box = { l: 50, r: W - 110, t: 36, b: H - 34 };
  const px = (v) => box.l + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * (box.r - box.l);
  const py = (v) => box.b - ((Math.log10(Math.max(0.1, v)) - y0) / (y1 - y0)) * (box.b - box.t);
  out.push(
    `<rect x="${box.l}" y="${box.t}" width="${box.r - box.l}" height="${box.b - box.t}" fill="none" stroke="#ccc"/>`,
  );
  for (const v of [1, 10, 100, 1000].filter((v) => Math.log10(v) >= y0 && Math.log10(v) <= y1)) {
    out.push(
      `<line x1="${box.l}" x2="${box.r}" y1="${py(v)}" y2="${py(v)}" stroke="${v === 100 ? '#f59e0b' : '#eee'}"/>`,
    );
    out.push(text(box.l - 4, py(v) + 4, `${v} ms`, 'text-anchor="end" class="dim"'));
  }
  // Label the ramp's own rates only: the bisection steps between them would overlap.
  const ticks = results.meta.config.fanout.rates.filter((v) => v >= 10 ** x0 && v <= 10 ** x1 * 1.0001);
  for (const v of ticks) out.push(text(px(v), box.b + 14, String(v), 'text-anchor="middle" class="dim"'));
  series.forEach(({ t, steps }, i) => {
    const color = COLORS[t.name] ?? '#000';
    const pts = steps.map((s) => `${px(s.rate).toFixed(1)},${py(s.latency.p99 ?? 0.1).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const s of steps) {
      const fill = s.clean ? color : '#fff';
      out.push(`<circle cx="${px(s.rate)}" cy="${py(s.latency.p99 ?? 0.1)}" r="3" fill="${fill}" stroke="${color}"/>`);
    }
    out.push(`<rect x="${box.r + 10}" y="${box.t + i * 18}" width="10" height="10" fill="${color}"/>`);
    out.push(text(box.r + 24, box.t + i * 18 + 9, t.name));
  });
  out.push(text(box.r + 10, box.t + series.length * 18 + 14, 'hollow: not clean', 'class="dim"'));
  return out.join('');
}

/** p50/p90/p99 at the fixed load, grouped per target. */
function latencyPanel(results, targets) {
  const rows = targets.map((t) => ({ t, s: results.scenarios.cpu?.[t.name] })).filter((r) => r.s && !r.s.failed);
  const out = [
    text(10, 22, 'Latency at the fixed load (1,000 msg/s, chats of 10): p50 / p90 / p99 ms', 'class="title"'),
  ];
  const max = Math.max(1e-9, ...rows.map((r) => r.s.latency.p99 ?? 0));
  const left = 150;
  const width = W - left - 70;
  rows.forEach(({ t, s }, i) => {
    const y = 40 + i * 52;
    out.push(text(left - 8, y + 24, t.name, 'text-anchor="end"'));
    ['p50', 'p90', 'p99'].forEach((k, j) => {
      const v = s.latency[k] ?? 0;
      const opacity = [1, 0.65, 0.35][j];
      out.push(
        `<rect x="${left}" y="${y + j * 15}" width="${((v / max) * width).toFixed(1)}" height="13" fill="${COLORS[t.name]}" opacity="${opacity}"/>`,
      );
      out.push(text(left + (v / max) * width + 4, y + j * 15 + 11, `${k} ${f2(v)}`, 'class="small"'));
    });
  });
  return out.join('');
}

export function renderSvg(results, targets) {
  const s = results.scenarios;
  const ok = (v) => v && !v.failed;
  const color = (t) => COLORS[t.name] ?? '#000';
  const panels = [
    barPanel(
      'Server CPU µs per delivered message (light: + Redis)',
      'µs',
      targets.map((t) => ({
        label: t.name,
        color: color(t),
        value: ok(s.cpu?.[t.name]) ? s.cpu[t.name].serverUsPerDelivery : null,
        extra: ok(s.cpu?.[t.name]) ? s.cpu[t.name].totalUsPerDelivery - s.cpu[t.name].serverUsPerDelivery : 0,
        text: ok(s.cpu?.[t.name])
          ? `${f2(s.cpu[t.name].serverUsPerDelivery)} (+${f2(s.cpu[t.name].totalUsPerDelivery - s.cpu[t.name].serverUsPerDelivery)})`
          : undefined,
      })),
    ),
    barPanel(
      '(a) Highest clean rate, chats of 10 (p99 < 100 ms, none lost)',
      'msg/s',
      targets.map((t) => ({
        label: t.name,
        color: color(t),
        value: ok(s.a?.[t.name]) ? s.a[t.name].highestCleanRate : null,
        text: ok(s.a?.[t.name]) ? int(s.a[t.name].highestCleanRate) : undefined,
      })),
    ),
    rampPanel(results, targets),
    latencyPanel(results, targets),
    barPanel(
      '(d) Server memory per idle authenticated connection',
      'KiB',
      targets.map((t) => ({
        label: t.name,
        color: color(t),
        value: ok(s.d?.[t.name]) ? s.d[t.name].bytesPerConnection / 1024 : null,
      })),
    ),
    barPanel(
      '(e) Connect storm: authenticated connections per second',
      '/s',
      targets.map((t) => ({
        label: t.name,
        color: color(t),
        value: ok(s.e?.[t.name]) ? s.e[t.name].perS : null,
        text: ok(s.e?.[t.name]) ? int(s.e[t.name].perS) : undefined,
      })),
    ),
  ];
  const cols = 2;
  const rows = Math.ceil(panels.length / cols);
  const width = cols * W + 30;
  const height = rows * H + 60;
  const body = panels
    .map((p, i) => `<g transform="translate(${10 + (i % cols) * (W + 10)},${40 + Math.floor(i / cols) * H})">${p}</g>`)
    .join('\n');
  const m = results.meta;
  const sub = `${m.date.slice(0, 19)}Z · ${m.cpus} cores (${m.cpuModel ?? '?'}) · Node ${m.node}${m.quick ? ' · QUICK run' : ''}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<style>.title{font-weight:bold;font-size:13px}.dim{fill:#888}.small{font-size:10px}</style>
<rect width="100%" height="100%" fill="#fff"/>
${text(10, 22, 'Papo benchmark: Papo vs Socket.IO + Redis adapter vs bare ws ceiling', 'class="title" font-size="15"')}
${text(width - 10, 22, sub, 'text-anchor="end" class="dim"')}
${body}
</svg>
`;
}

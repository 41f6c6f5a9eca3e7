#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// Draws a V8 .cpuprofile as a flame graph (SVG): each box a function, its width the busy time spent in it and
// in what it called, its callers below it. Idle time is left out, so the widths share the busy time. Boxes are
// coloured by where the code lives (Papo, ws, ioredis, Node's own, GC); hovering shows the figures. For
// profiles taken under the benchmark's load:
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/run.mjs --scenario cpu --targets papo1
//   node bench/flamegraph.mjs --window-s 10 --title "Papo, 1,000 msg/s" /tmp/prof/CPU.*.cpuprofile
// writes CPU.*.svg beside each profile. --from-s A --to-s B keeps the samples from A to B seconds after the
// profile started (the profile's file name has its start time, the bench's log each window's end); --window-s N
// keeps the N seconds with the most busy time instead.
import { frameLabel, sampleTimes, timeWindow } from './lib/cpuprofile.mjs';

const { values: opts, positionals: paths } = parseArgs({
  allowPositionals: true,
  options: {
    title: { type: 'string', default: '' },
    out: { type: 'string' },
    'window-s': { type: 'string' },
    'from-s': { type: 'string' },
    'to-s': { type: 'string' },
  },
});
if (paths.length === 0) {
  console.error(
    'usage: node bench/flamegraph.mjs [--title T] [--from-s A --to-s B | --window-s N] [--out FILE.svg] PROFILE.cpuprofile...',
  );
  process.exit(2);
}

const WIDTH = 1200;
const ROW = 17;
const TOP = 58;
/** Boxes narrower than this (px) are left out, with what they called. */
const MIN_PX = 0.4;
const CHAR_PX = 6.6;

const PALETTE = [
  ['papo', '#3b82f6', 'Papo'],
  ['ws', '#22c55e', 'ws'],
  ['redis', '#ef4444', 'Redis clients (ioredis, node-redis)'],
  ['lib', '#f59e0b', 'other packages'],
  ['node', '#a8a29e', "Node's own JavaScript"],
  ['native', '#d6d3d1', 'native, unattributed (program)'],
  ['gc', '#a855f7', 'garbage collector'],
];
const COLOR = Object.fromEntries(PALETTE.map(([k, c]) => [k, c]));

function kind(frame) {
  const url = frame.url || '';
  if (frame.functionName === '(garbage collector)') return 'gc';
  if (/node_modules\/(ioredis|redis-parser|@ioredis|@redis)\//.test(url)) return 'redis';
  if (/node_modules\/ws\//.test(url)) return 'ws';
  if (url.includes('node_modules/')) return 'lib';
  if (url.includes('/packages/')) return 'papo';
  if (url.startsWith('node:')) return 'node';
  return url ? 'lib' : 'native';
}

const esc = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

/** [first, end) of the samples in the `seconds` long stretch with the most busy (not idle) time. */
function busiestWindow(profile, isIdleId, seconds) {
  const at = sampleTimes(profile);
  let best = { busy: -1, from: 0, end: at.length };
  let busy = 0;
  let from = 0;
  for (let end = 0; end < at.length; end++) {
    if (!isIdleId(profile.samples[end])) busy += profile.timeDeltas[end];
    while (at[end] - at[from] > seconds * 1e6) {
      if (!isIdleId(profile.samples[from])) busy -= profile.timeDeltas[from];
      from++;
    }
    if (busy > best.busy) best = { busy, from, end: end + 1 };
  }
  return { ...best, seconds: (at[best.end - 1] - at[best.from]) / 1e6, label: 'the busiest stretch' };
}

function render(profile, title, { windowS, fromS, toS }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, { ...n, self: 0, total: 0 }]));
  const isIdle = (n) => n.callFrame.functionName === '(idle)';
  const window =
    fromS !== undefined
      ? timeWindow(profile, fromS, toS ?? Number.POSITIVE_INFINITY)
      : windowS
        ? busiestWindow(profile, (id) => isIdle(byId.get(id)), windowS)
        : { from: 0, end: profile.samples.length, seconds: (profile.endTime - profile.startTime) / 1e6 };
  for (let i = window.from; i < window.end; i++) {
    const node = byId.get(profile.samples[i]);
    if (node) node.self += profile.timeDeltas[i] ?? 0;
  }
  const root = byId.get(profile.nodes[0].id);
  const sum = (n) => {
    n.total = isIdle(n) ? 0 : n.self + (n.children ?? []).reduce((acc, c) => acc + sum(byId.get(c)), 0);
    return n.total;
  };
  const busy = sum(root);
  const scale = WIDTH / busy;

  const boxes = [];
  let depth = 0;
  const place = (n, x, d) => {
    const w = n.total * scale;
    if (w < MIN_PX) return;
    depth = Math.max(depth, d);
    boxes.push({ n, x, w, d });
    let at = x;
    const children = (n.children ?? []).map((c) => byId.get(c)).sort((a, b) => b.total - a.total);
    for (const c of children) {
      place(c, at, d + 1);
      at += c.total * scale;
    }
  };
  place(root, 0, 0);

  const height = TOP + (depth + 1) * ROW + 8;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    `<title>${esc(`Flame graph: ${title}`)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="4" y="16" font-size="14" font-family="sans-serif">${esc(title)}</text>`,
    `<text x="4" y="32" font-family="sans-serif" fill="#444">${esc(
      `${(busy / 1e6).toFixed(2)} s busy in ${window.seconds.toFixed(1)} s${window.label ? ` (${window.label})` : ''}; width = busy time, callers below; hover a box for its figures`,
    )}</text>`,
  );
  let lx = 4;
  for (const [, color, name] of PALETTE) {
    out.push(`<rect x="${lx}" y="40" width="10" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 14}" y="49" font-family="sans-serif">${esc(name)}</text>`);
    lx += 24 + name.length * 6.2;
  }
  for (const { n, x, w, d } of boxes) {
    const y = height - 8 - (d + 1) * ROW;
    const name = d === 0 ? 'all busy time' : frameLabel(n.callFrame);
    const pct = ((n.total / busy) * 100).toFixed(1);
    const selfPct = ((n.self / busy) * 100).toFixed(1);
    const fill = d === 0 ? '#e7e5e4' : COLOR[kind(n.callFrame)];
    out.push(
      `<g><title>${esc(`${name}\n${pct}% of busy time (${(n.total / 1e3).toFixed(0)} ms), ${selfPct}% in itself`)}</title>`,
      `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(w - 0.3, 0.1).toFixed(1)}" height="${ROW - 1}" fill="${fill}" rx="1"/>`,
    );
    const fits = Math.floor((w - 6) / CHAR_PX);
    if (fits >= 4) {
      const text = name.length <= fits ? name : `${name.slice(0, fits - 1)}…`;
      out.push(`<text x="${(x + 3).toFixed(1)}" y="${y + ROW - 5}">${esc(text)}</text>`);
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

for (const path of paths) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const target = opts.out && paths.length === 1 ? opts.out : `${path.replace(/\.cpuprofile$/, '')}.svg`;
  const seconds = (name) => (opts[name] === undefined ? undefined : Number(opts[name]));
  const window = { windowS: seconds('window-s'), fromS: seconds('from-s'), toS: seconds('to-s') };
  writeFileSync(target, render(profile, opts.title || path.split('/').pop(), window));
  console.log(`Written: ${target}`);
}

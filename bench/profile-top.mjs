#!/usr/bin/env node
import { readFileSync } from 'node:fs';
// Summarises a V8 .cpuprofile: self time by function and by package, and inclusive time of the heaviest
// frames. For profiles taken under the benchmark's load:
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/run.mjs --scenario cpu --targets papo1
//   node bench/profile-top.mjs /tmp/prof/CPU.*.cpuprofile
// --from-s A --to-s B keeps the samples from A to B seconds after the profile started (as flamegraph.mjs does):
// one window of a run that measured two things in turns (receipts off and on, scenario r), to set them side by
// side; the figures then also say ms of CPU per second of that window.
import { parseArgs } from 'node:util';
import { frameLabel, timeWindow } from './lib/cpuprofile.mjs';

const { values: opts, positionals: paths } = parseArgs({
  allowPositionals: true,
  options: { 'from-s': { type: 'string' }, 'to-s': { type: 'string' } },
});

const TOP = 25;

function where(frame) {
  const url = frame.url || '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/packages/')) return `papo:${/packages\/([^/]+)/.exec(url)[1]}`;
  if (url.startsWith('node:')) return 'node';
  return url ? 'other' : `(${frame.functionName || 'native'})`;
}

for (const path of paths) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const window =
    opts['from-s'] === undefined
      ? { from: 0, end: profile.samples.length }
      : timeWindow(profile, Number(opts['from-s']), Number(opts['to-s'] ?? Number.POSITIVE_INFINITY));
  const self = new Map();
  for (let i = window.from; i < window.end; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfBy = (key) => {
    const m = new Map();
    for (const [id, us] of self) {
      const k = key(byId.get(id).callFrame);
      m.set(k, (m.get(k) ?? 0) + us);
    }
    return [...m].sort((a, b) => b[1] - a[1]);
  };
  // Inclusive: each sample counts once for every distinct frame label on its stack.
  const inclusive = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const k = frameLabel(byId.get(at).callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  // Idle time is a sample too: busy shares the window's busy time, ms/s says its CPU per second of the window.
  const idle = [...self].reduce((a, [id, us]) => a + (byId.get(id).callFrame.functionName === '(idle)' ? us : 0), 0);
  const perS = window.seconds ? (us) => ` ${(us / 1000 / window.seconds).toFixed(1).padStart(6)} ms/s` : () => '';
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%${perS(us)}`;
  console.log(
    `\n${path}: ${(total / 1e6).toFixed(2)} s sampled, ${((total - idle) / 1e6).toFixed(2)} s busy${window.label ? ` (${window.label})` : ''}`,
  );
  console.log('\nself time by package');
  for (const [k, us] of selfBy(where).slice(0, 15)) console.log(`  ${pct(us)}  ${k}`);
  console.log('\nself time by function');
  for (const [k, us] of selfBy(frameLabel).slice(0, TOP)) console.log(`  ${pct(us)}  ${k}`);
  console.log('\ninclusive time (heaviest frames)');
  const heavy = [...inclusive].sort((a, b) => b[1] - a[1]).filter(([k]) => !k.startsWith('(root)'));
  for (const [k, us] of heavy.slice(0, TOP)) console.log(`  ${pct(us)}  ${k}`);
}

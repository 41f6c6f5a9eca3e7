// The media scenario (bench/README.md, "media"): uploads and downloads over HTTP, Papo (local storage driver)
// beside a plain fastify + @fastify/static server (`static`), every target set up at once and measured in rounds,
// in turns, as `cpu` is. The client is this process: node:http with keep-alive, one request in flight per
// client, the random bytes made once and sent from that one buffer; downloads are compared with it as they
// stream in (a memcmp per chunk) and then dropped.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sample, selfCpuMs, startRedis, startTarget, systemBusyMs, waitForQuietMachine } from './procs.mjs';
import { log } from './scenarios.mjs';

const MiB = 2 ** 20;
const dirs = new Set();
process.once('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The upload's bytes: random, made once (incompressible, and never the same as a file's start by chance). */
function fileBytes(size) {
  return randomBytes(size);
}

/**
 * A photo as a phone would send it: a JPEG of `width` × `height` (3.84 MP by default), smooth colour waves with
 * a little noise, quality 85: ≈ 370 KiB. Papo decodes it, re-encodes it (mozjpeg) and makes two thumbnails.
 */
async function photoBytes(width, height) {
  const { default: sharp } = await import('sharp');
  const px = Buffer.alloc(width * height * 3);
  const noise = randomBytes(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = (noise[y * width + x] & 7) - 4;
      px[i] = 128 + 100 * Math.sin(x / 97 + y / 53) + n;
      px[i + 1] = 128 + 100 * Math.sin(x / 41 - y / 131) + n;
      px[i + 2] = 128 + 100 * Math.cos((x + y) / 211) + n;
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * One HTTP request. `body` (a Buffer) is written at once, without a copy; the answer is streamed, and each
 * chunk handed to `onChunk(chunk, offset)` (then dropped) unless the answer is JSON, which is parsed.
 */
function http(agent, base, { method, path, headers = {}, body, onChunk }) {
  return new Promise((resolveReq, reject) => {
    const started = performance.now();
    const req = request(new URL(path, base), { method, agent, headers }, (res) => {
      let bytes = 0;
      const json = [];
      const isJson = /json/.test(res.headers['content-type'] ?? '');
      res.on('data', (chunk) => {
        if (isJson) json.push(chunk);
        else onChunk?.(chunk, bytes);
        bytes += chunk.length;
      });
      res.on('end', () => {
        let parsed;
        if (isJson) {
          try {
            parsed = JSON.parse(Buffer.concat(json).toString());
          } catch {}
        }
        resolveReq({ status: res.statusCode, bytes, json: parsed, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const median = (values) => {
  const v = values.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/** Sets up one target: its folder, Redis for Papo, the server, and one logged-in user per client. */
async function setUp(target, c) {
  const dir = mkdtempSync(join(tmpdir(), `papo-bench-media-${target.name}-`));
  dirs.add(dir);
  const redis = target.redis ? await startRedis() : undefined;
  const env =
    target.kind === 'static'
      ? { STATIC_DIR: join(dir, 'files') }
      : {
          DATA_DIR: dir,
          MEDIA_DIR: join(dir, 'media'),
          // The per-user hourly limit is meant for abuse, not for a benchmark uploading gigabytes per user.
          MEDIA_UPLOADS_PER_HOUR: '10000000',
          MAX_FILE_BYTES: String(Math.max(100 * MiB, c.fileBytes)),
        };
  let server;
  try {
    server = await startTarget(target, redis?.url, env);
  } catch (err) {
    await redis?.stop();
    throw err;
  }
  const agent = new Agent({ keepAlive: true, maxSockets: c.clients * 2 });
  const users = [];
  for (let i = 0; i < c.clients; i++) {
    if (target.kind === 'static') {
      users.push({ token: 'none', files: [] });
      continue;
    }
    const r = await http(agent, server.baseUrl, {
      method: 'POST',
      path: '/api/login',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ username: `mediabench${i}` })),
    });
    if (r.status !== 200 || !r.json?.token) throw new Error(`login: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    users.push({ token: r.json.token, files: [] });
  }
  return { target, dir, redis, server, agent, users, rssAtStart: sample(server.pids).rss };
}

async function tearDown(ctx) {
  ctx.agent?.destroy();
  await ctx.server?.stop();
  await ctx.redis?.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
  dirs.delete(ctx.dir);
}

/**
 * One window: `count` requests made by the clients, one in flight each (client i takes requests i, i + clients,
 * …); `one(user, k)` makes request k and resolves with its answer. The server's CPU (primary and every worker),
 * Redis's, this process's and the whole machine's are read at the edges; the server's RSS is polled for its peak.
 */
async function measure(ctx, count, one) {
  const { server, redis, users } = ctx;
  const snap = () => ({
    server: sample(server.pids),
    redis: sample(redis ? [redis.pid] : []),
    self: selfCpuMs(),
    system: systemBusyMs(),
  });
  let peakRss = 0;
  const poll = setInterval(() => {
    peakRss = Math.max(peakRss, sample(server.pids).rss);
  }, 100);
  const errors = {};
  const latencies = [];
  let bytes = 0;
  let next = 0;
  const before = snap();
  await Promise.all(
    users.map(async (user) => {
      for (let k = next++; k < count; k = next++) {
        try {
          const r = await one(user, k);
          latencies.push(r.ms);
          bytes += r.counted;
          if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;
        } catch (err) {
          const key = err.code ?? err.message;
          errors[key] = (errors[key] ?? 0) + 1;
        }
      }
    }),
  );
  const after = snap();
  clearInterval(poll);
  peakRss = Math.max(peakRss, after.server.rss);
  const wallMs = after.server.at - before.server.at;
  const serverCpuMs = after.server.cpuMs - before.server.cpuMs;
  const redisCpuMs = after.redis.cpuMs - before.redis.cpuMs;
  const selfMs = after.self - before.self;
  const others = Math.max(0, after.system - before.system - serverCpuMs - redisCpuMs - selfMs);
  latencies.sort((a, b) => a - b);
  const mib = bytes / MiB;
  return {
    requests: count,
    errors,
    errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
    bytes,
    wallMs,
    mibPerS: mib / (wallMs / 1000),
    requestsPerS: count / (wallMs / 1000),
    serverCpuMs,
    serverKernelPct: serverCpuMs > 0 ? ((after.server.systemMs - before.server.systemMs) / serverCpuMs) * 100 : null,
    serverCpuPct: (serverCpuMs / wallMs) * 100,
    serverCpuMsPerMiB: mib ? serverCpuMs / mib : null,
    serverCpuMsPerRequest: serverCpuMs / count,
    redisCpuMs,
    clientCpuPct: (selfMs / wallMs) * 100,
    clientCpuMsPerMiB: mib ? selfMs / mib : null,
    backgroundCpuPct: (others / wallMs) * 100,
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? null },
    serverRssBefore: before.server.rss,
    serverRss: after.server.rss,
    serverPeakRss: peakRss,
  };
}

/** An upload's answer: the id kept on its user (to download later), or an error named by status and code. */
function uploaded(user, r, keep) {
  if (r.status === 201 && r.json?.media_id) {
    if (keep) user.files.push(r.json.media_id);
    return { ms: r.ms, counted: keep };
  }
  return { ms: r.ms, counted: 0, error: `${r.status} ${r.json?.error ?? ''}`.trim() };
}

/** The phases of one round on one target. `counts` scales them (the warm-up is a small round). */
async function round(ctx, cfg, bytes, counts) {
  const c = cfg.media;
  const base = ctx.server.baseUrl;
  const auth = (user) => ({ authorization: `Bearer ${user.token}` });
  const quiet = () => waitForQuietMachine(cfg.quietMachinePct, cfg.waitIdleS);
  const out = {};

  // Downloads read the uploads of this round only: a user's own (Papo lets its uploader read an unsent upload).
  for (const user of ctx.users) user.files = [];
  await quiet();
  out.fileUpload = await measure(ctx, counts.files, async (user, k) => {
    const r = await http(ctx.agent, base, {
      method: 'POST',
      path: `/api/media?name=bench-${k}.bin`,
      headers: { ...auth(user), 'content-type': 'application/octet-stream', 'content-length': bytes.file.length },
      body: bytes.file,
    });
    return uploaded(user, r, bytes.file.length);
  });

  await quiet();
  out.photoUpload = await measure(ctx, counts.photos, async (user) => {
    const r = await http(ctx.agent, base, {
      method: 'POST',
      path: '/api/media',
      headers: { ...auth(user), 'content-type': 'image/jpeg', 'content-length': bytes.photo.length },
      body: bytes.photo,
    });
    const answer = uploaded(user, r, 0);
    return { ...answer, counted: answer.error ? 0 : bytes.photo.length };
  });

  /** A GET of [start, end] of one of the user's files, checked byte for byte against what was uploaded. */
  const get = async (user, k, range) => {
    if (!user.files.length) throw new Error('no_file_to_download');
    const id = user.files[k % user.files.length];
    let bad = false;
    const start = range?.start ?? 0;
    const r = await http(ctx.agent, base, {
      method: 'GET',
      path: `/api/media/${id}`,
      headers: { ...auth(user), ...(range ? { range: `bytes=${range.start}-${range.end}` } : {}) },
      onChunk: (chunk, offset) => {
        if (!bad && !chunk.equals(bytes.file.subarray(start + offset, start + offset + chunk.length))) bad = true;
      },
    });
    const want = range ? range.end - range.start + 1 : bytes.file.length;
    const status = range ? 206 : 200;
    if (r.status !== status) return { ms: r.ms, counted: 0, error: `${r.status} ${r.json?.error ?? ''}`.trim() };
    if (r.bytes !== want) return { ms: r.ms, counted: r.bytes, error: 'short_body' };
    return { ms: r.ms, counted: r.bytes, ...(bad ? { error: 'bytes_differ' } : {}) };
  };

  await quiet();
  out.download = await measure(ctx, counts.downloads, (user, k) => get(user, Math.floor(k / c.clients)));

  await quiet();
  const span = bytes.file.length - c.rangeBytes;
  out.rangeDownload = await measure(ctx, counts.ranges, (user, k) => {
    // Anywhere in the file, on no particular boundary.
    const start = Math.floor(Math.random() * (span + 1));
    return get(user, k, { start, end: start + c.rangeBytes - 1 });
  });
  return out;
}

/** Each figure's median over the rounds (each on its own: a table row need not be one round). */
function medians(rounds) {
  const out = {};
  for (const phase of Object.keys(rounds[0] ?? {})) {
    const keys = Object.keys(rounds[0][phase]).filter((k) => typeof rounds[0][phase][k] === 'number');
    out[phase] = Object.fromEntries(keys.map((k) => [k, median(rounds.map((r) => r[phase][k]))]));
    out[phase].errors = {};
    for (const r of rounds) {
      for (const [k, v] of Object.entries(r[phase].errors)) out[phase].errors[k] = (out[phase].errors[k] ?? 0) + v;
    }
    out[phase].latencyP50Ms = median(rounds.map((r) => r[phase].latencyMs.p50));
    out[phase].latencyP99Ms = median(rounds.map((r) => r[phase].latencyMs.p99));
  }
  return out;
}

/** Every target set up at once, a small uncounted warm-up round each, then `rounds` rounds in turns. */
export async function mediaRounds(targets, cfg) {
  const c = cfg.media;
  log(`  making ${c.fileBytes / MiB} MiB of random bytes and a ${c.photo.width}×${c.photo.height} JPEG`);
  const bytes = { file: fileBytes(c.fileBytes), photo: await photoBytes(c.photo.width, c.photo.height) };
  log(`  the photo: ${(bytes.photo.length / 1024).toFixed(0)} KiB`);
  const ctxs = [];
  const results = {};
  try {
    for (const target of targets) {
      try {
        ctxs.push(await setUp(target, c));
      } catch (err) {
        log(`  ${target.name} media set-up FAILED: ${err.stack ?? err}`);
        results[target.name] = { failed: String(err.message ?? err) };
      }
    }
    const rounds = Object.fromEntries(ctxs.map((ctx) => [ctx.target.name, []]));
    const full = { files: c.files, photos: c.photos, downloads: c.downloads, ranges: c.ranges };
    const warm = { files: c.clients, photos: c.clients * 2, downloads: c.clients * 2, ranges: c.clients * 8 };
    for (const ctx of ctxs) {
      await round(ctx, cfg, bytes, warm);
      log(`  ${ctx.target.name} warm-up round done (not counted)`);
    }
    for (let r = 0; r < c.rounds; r++) {
      const order = ctxs.map((_, k) => ctxs[(k + r) % ctxs.length]);
      for (const ctx of order) {
        const res = await round(ctx, cfg, bytes, full);
        rounds[ctx.target.name].push(res);
        const f = (x) => x.toFixed(1);
        log(
          `  ${ctx.target.name} round ${r + 1}: files up ${f(res.fileUpload.mibPerS)} MiB/s ${f(res.fileUpload.serverCpuMsPerMiB)} ms/MiB; ` +
            `photos up ${f(res.photoUpload.requestsPerS)}/s ${f(res.photoUpload.serverCpuMsPerRequest)} ms each; ` +
            `down ${f(res.download.mibPerS)} MiB/s ${f(res.download.serverCpuMsPerMiB)} ms/MiB; ` +
            `ranges ${f(res.rangeDownload.mibPerS)} MiB/s ${f(res.rangeDownload.serverCpuMsPerMiB)} ms/MiB; ` +
            `RSS ${(res.fileUpload.serverRssBefore / MiB).toFixed(0)}→${(res.rangeDownload.serverRss / MiB).toFixed(0)} MiB (peak ${(Math.max(...Object.values(res).map((x) => x.serverPeakRss)) / MiB).toFixed(0)}); ` +
            `errors ${['fileUpload', 'photoUpload', 'download', 'rangeDownload'].map((p) => res[p].errorCount).join('/')}; ` +
            `others ${['fileUpload', 'photoUpload', 'download', 'rangeDownload'].map((p) => res[p].backgroundCpuPct.toFixed(0)).join('/')}%`,
        );
      }
    }
    for (const ctx of ctxs) {
      const name = ctx.target.name;
      results[name] = {
        serverRssAtStart: ctx.rssAtStart,
        median: medians(rounds[name]),
        rounds: rounds[name],
        photoBytes: bytes.photo.length,
        fileBytes: bytes.file.length,
        serverLog: { warnings: ctx.server.log.warnings, errors: ctx.server.log.errors, last: ctx.server.log.last },
      };
    }
  } finally {
    for (const ctx of ctxs) await tearDown(ctx).catch(() => {});
  }
  return results;
}

const f1 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));
const f2 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(2));

/** The media scenario's table: one column per target, each figure its median round's value. */
export function printMedia(s, targets, cfg) {
  const c = cfg.media;
  const names = targets.map((t) => t.name).filter((n) => s[n]);
  const cell = (n, fn) => (s[n].failed ? 'failed' : fn(s[n].median, s[n]));
  const byRound = (phase, key, fmt) => (n) =>
    s[n].failed ? 'failed' : s[n].rounds.map((r) => fmt(r[phase][key])).join(' ');
  const errs = (e) => {
    const entries = Object.entries(e ?? {});
    return entries.length ? entries.map(([k, v]) => `${k}:${v}`).join(' ') : '0';
  };
  const rows = [];
  const phases = [
    ['fileUpload', `files up (${c.files} × ${c.fileBytes / MiB} MiB, ?name=)`],
    ['photoUpload', `photos up (${c.photos} JPEGs ${c.photo.width}×${c.photo.height})`],
    ['download', `downloads (${c.downloads} GETs, whole)`],
    ['rangeDownload', `range downloads (${c.ranges} × ${c.rangeBytes / MiB} MiB)`],
  ];
  for (const [phase, title] of phases) {
    rows.push([title, ...names.map(() => '')]);
    rows.push(['  MiB/s', ...names.map((n) => cell(n, (m) => f1(m[phase].mibPerS)))]);
    rows.push(['  requests/s', ...names.map((n) => cell(n, (m) => f1(m[phase].requestsPerS)))]);
    rows.push(['  server CPU ms/MiB', ...names.map((n) => cell(n, (m) => f2(m[phase].serverCpuMsPerMiB)))]);
    rows.push(['  … by round', ...names.map(byRound(phase, 'serverCpuMsPerMiB', f2))]);
    if (phase === 'photoUpload') {
      rows.push(['  server CPU ms/upload', ...names.map((n) => cell(n, (m) => f1(m[phase].serverCpuMsPerRequest)))]);
      rows.push(['  … by round', ...names.map(byRound(phase, 'serverCpuMsPerRequest', f1))]);
    }
    rows.push(['  … of it in the kernel %', ...names.map((n) => cell(n, (m) => f1(m[phase].serverKernelPct)))]);
    rows.push(['  server CPU %', ...names.map((n) => cell(n, (m) => f1(m[phase].serverCpuPct)))]);
    rows.push(['  redis CPU ms', ...names.map((n) => cell(n, (m) => f1(m[phase].redisCpuMs)))]);
    rows.push(['  client CPU ms/MiB', ...names.map((n) => cell(n, (m) => f2(m[phase].clientCpuMsPerMiB)))]);
    rows.push([
      '  latency p50 / p99 ms',
      ...names.map((n) => cell(n, (m) => `${f1(m[phase].latencyP50Ms)} / ${f1(m[phase].latencyP99Ms)}`)),
    ]);
    rows.push(['  server RSS MiB before', ...names.map((n) => cell(n, (m) => f1(m[phase].serverRssBefore / MiB)))]);
    rows.push(['  server peak RSS MiB', ...names.map((n) => cell(n, (m) => f1(m[phase].serverPeakRss / MiB)))]);
    rows.push(['  other processes CPU %', ...names.map(byRound(phase, 'backgroundCpuPct', (v) => v.toFixed(0)))]);
    rows.push(['  errors (all rounds)', ...names.map((n) => cell(n, (m) => errs(m[phase].errors)))]);
  }
  const head = ['', ...names];
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => String(r[i]).length)));
  const line = (r) => r.map((x, i) => (i === 0 ? String(x).padEnd(widths[i]) : String(x).padStart(widths[i])));
  console.log(`\nmedia: ${c.clients} clients, one request in flight each; medians of ${c.rounds} round(s)`);
  console.log(line(head).join('  '));
  for (const r of rows) console.log(line(r).join('  '));
  for (const n of names) {
    if (!s[n].failed) console.log(`  ${n} server RSS after set-up: ${f1(s[n].serverRssAtStart / MiB)} MiB`);
  }
  for (const n of names) {
    const l = s[n].serverLog;
    if (l?.warnings || l?.errors)
      console.log(`  ${n} server log: ${l.warnings} warnings, ${l.errors} errors; last: ${l.last.join(' | ')}`);
  }
}

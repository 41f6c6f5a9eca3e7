// Processes the benchmark starts (redis-server, the servers under test) and what it reads of them in /proc.
// Every child is registered here and killed on exit, on an error and on Ctrl-C, so nothing outlives a run.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BENCH_DIR = resolve(REPO_ROOT, 'bench');
/** The Papo server measured; PAPO_SERVER_MAIN points at another build (e.g. a baseline checked out elsewhere). */
export const PAPO_MAIN = resolve(REPO_ROOT, process.env.PAPO_SERVER_MAIN ?? 'packages/server/dist/main.js');
const REDIS_SERVER = '/usr/bin/redis-server';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Process groups we started (negative pid kills the group: a cluster primary and its workers). */
const liveGroups = new Set();
const tempDirs = new Set();

function killAll() {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  liveGroups.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** The open-files limit this process may raise itself to (a child cannot hold more sockets than this). */
export function hardFileLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === 'unlimited' ? 1_048_576 : Number(hard) || 1024;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** utime and stime of one process, in ms (zeros once it is gone). */
function cpuTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3; utime and stime are fields 14 and 15 (1-based, man proc).
    return { user: (Number(fields[11]) * 1000) / CLK_TCK, system: (Number(fields[12]) * 1000) / CLK_TCK };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** utime + stime of one process, in ms (0 once it is gone). */
export function cpuMs(pid) {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/**
 * From one read of /proc/<pid>/status (zeros once the process is gone): `rss`, VmRSS in bytes, and `sleeps`,
 * how many times its main thread (a Node process's event loop, Redis's main loop) went to sleep
 * (`voluntary_ctxt_switches`). Each sleep ends with a wake, which costs a virtual machine far more than a
 * write does (bench/README.md, "Where a delivery's CPU goes").
 */
function status(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (re) => Number(re.exec(text)?.[1] ?? 0);
    return { rss: field(/^VmRSS:\s+(\d+) kB/m) * 1024, sleeps: field(/^voluntary_ctxt_switches:\s+(\d+)/m) };
  } catch {
    return { rss: 0, sleeps: 0 };
  }
}

/** CPU time the whole machine spent busy (all cores, every process and the kernel), in ms. */
export function systemBusyMs() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .slice(0, 200)
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
}

/** ms of this process's own CPU. */
export function selfCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Waits until processes other than ours use less than `maxPct` of one core over a second (another test suite
 * on the same 2 cores would skew every figure), for at most `timeoutS`. Returns the last background %.
 */
export async function waitForQuietMachine(maxPct, timeoutS, onBusy) {
  const started = performance.now();
  let warned = false;
  for (;;) {
    const b0 = systemBusyMs();
    const s0 = selfCpuMs();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const pct = ((systemBusyMs() - b0 - (selfCpuMs() - s0)) / (performance.now() - t0)) * 100;
    if (pct < maxPct || (performance.now() - started) / 1000 >= timeoutS) return pct;
    if (!warned) onBusy?.(pct);
    warned = true;
  }
}

/** A snapshot of CPU, RSS and sleeps of a set of processes, to subtract from a later one. */
export function sample(pids) {
  const statuses = pids.map(status);
  const times = pids.map(cpuTimes);
  const systemMs = times.reduce((acc, t) => acc + t.system, 0);
  return {
    at: performance.now(),
    cpuMs: times.reduce((acc, t) => acc + t.user, 0) + systemMs,
    /** The part of cpuMs spent in the kernel (system calls, the network stack, waking other processes). */
    systemMs,
    rss: statuses.reduce((acc, st) => acc + st.rss, 0),
    sleeps: statuses.reduce((acc, st) => acc + st.sleeps, 0),
  };
}

function spawnGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  liveGroups.add(child.pid);
  child.once('exit', () => liveGroups.delete(child.pid));
  return child;
}

/** Resolves with the first stdout/stderr line that `match` accepts; rejects on exit or timeout. */
function waitForLine(child, match, timeoutMs, what) {
  return new Promise((resolveLine, reject) => {
    let tail = '';
    let buffered = '';
    const timer = setTimeout(() => done(new Error(`${what}: not ready after ${timeoutMs} ms\n${tail}`)), timeoutMs);
    const onData = (chunk) => {
      buffered += chunk.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        tail = `${tail}${line}\n`.slice(-4000);
        const found = match(line);
        if (found) return done(undefined, found);
        nl = buffered.indexOf('\n');
      }
    };
    const onExit = (code, signal) => done(new Error(`${what} exited (${code ?? signal}) before ready\n${tail}`));
    function done(err, value) {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolveLine(value);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Counts warn/error/fatal log lines (pino levels ≥ 40) and keeps the last few, without holding the whole log. */
function watchLog(child) {
  const log = { warnings: 0, errors: 0, last: [] };
  let buffered = '';
  // BENCH_SERVER_LOG=path keeps all the server's output (with BENCH_SERVER_NODE_ARGS=--trace-gc, its GC pauses).
  const keep = process.env.BENCH_SERVER_LOG ? createWriteStream(process.env.BENCH_SERVER_LOG, { flags: 'a' }) : null;
  const onData = (chunk) => {
    keep?.write(chunk);
    buffered += chunk.toString();
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? (/error/i.test(line) ? 50 : 0));
      if (level >= 50) log.errors++;
      else if (level >= 40) log.warnings++;
      if (level >= 40) log.last = [...log.last.slice(-4), line.slice(0, 300)];
      nl = buffered.indexOf('\n');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return log;
}

async function stopGroup(child, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {}
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }, graceMs);
  await exited;
  clearTimeout(timer);
  // Workers of a cluster follow their primary; anything left in the group goes now.
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  liveGroups.delete(child.pid);
}

/** A private redis-server: AOF on, fsync every second, data in a temp dir, on a free port. */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'papo-bench-redis-'));
  tempDirs.add(dir);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'];
  args.push('--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--protected-mode', 'no');
  // Redis's own record of its stalls (a slow AOF write or fsync, a slow command), read after each step.
  args.push('--latency-monitor-threshold', '5');
  args.push('--unixsocket', join(dir, 'redis.sock'), '--unixsocketperm', '700');
  // BENCH_REDIS_ARGS="--auto-aof-rewrite-percentage 0" and the like, to see what a Redis setting does (every
  // target gets the same Redis).
  args.push(...(process.env.BENCH_REDIS_ARGS ?? '').split(' ').filter(Boolean));
  const child = spawnGroup(REDIS_SERVER, args, { cwd: dir });
  await waitForLine(child, (l) => l.includes('Ready to accept connections'), 10_000, 'redis-server');
  child.stdout.resume();
  child.stderr.resume();
  const cli = (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  return {
    pid: child.pid,
    url: `redis://127.0.0.1:${port}`,
    socketPath: join(dir, 'redis.sock'),
    /** Zeroes Redis's per-command counters. */
    resetStats: () => {
      cli('CONFIG', 'RESETSTAT');
      cli('LATENCY', 'RESET');
    },
    /**
     * Since the last resetStats: Redis's stalls of 5 ms or more, the longest of each kind (`ms`, e.g.
     * { 'aof-write': 120 }), and its forks (an AOF rewrite: the child takes a core of its own meanwhile).
     */
    stalls() {
      const ms = {};
      // LATENCY LATEST, one field per line: event, time, latest ms, max ms.
      const lines = cli('LATENCY', 'LATEST').split('\n').filter(Boolean);
      for (let i = 0; i + 3 < lines.length; i += 4) ms[lines[i]] = Number(lines[i + 3]);
      // CONFIG RESETSTAT (resetStats) zeroes total_forks too.
      const forks = Number(/total_forks:(\d+)/.exec(cli('INFO', 'stats'))?.[1] ?? 0);
      return { ms, forks };
    },
    /**
     * Calls and µs per command since the last reset, e.g. calls { evalsha: 1000, spublish: 1000 }. Commands a
     * script ran count under their own names too, and a script's µs (`evalsha`) hold theirs.
     */
    commandStats() {
      const calls = {};
      const usec = {};
      for (const m of cli('INFO', 'commandstats').matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
        calls[m[1]] = Number(m[2]);
        usec[m[1]] = Number(m[3]);
      }
      return { calls, usec };
    },
    async stop() {
      await stopGroup(child, 5000);
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
  };
}

/** How each target is started; all print a JSON line with "msg" "papo ready"/"ready", a port and worker pids. */
const LAUNCH = {
  papo: (workers, main) => ({
    script: main ? resolve(main) : PAPO_MAIN,
    env: {
      WORKERS: String(workers),
      // Limits meant for abuse, not for a benchmark that sends thousands of messages per user.
      RATE_LIMIT_MESSAGES: '100000000',
      LOGIN_RATE_LIMIT_PER_IP: '100000000',
      MAX_CONNECTIONS_PER_IP: '100000000',
      CHATS_PER_HOUR: '100000',
      // "papo ready" is logged at info; nothing else is logged per connection or per message at info.
      LOG_LEVEL: 'info',
    },
  }),
  socketio: (workers) => ({ script: resolve(BENCH_DIR, 'socketio-server.mjs'), env: { WORKERS: String(workers) } }),
  ceiling: () => ({ script: resolve(BENCH_DIR, 'ws-ceiling.mjs'), env: {} }),
  // The media scenario's plain server (fastify + @fastify/static); STATIC_DIR comes with the scenario's env.
  static: () => ({ script: resolve(BENCH_DIR, 'static-server.mjs'), env: {} }),
};

/**
 * Starts a server under test and waits until every worker listens. `pids` holds the primary and every worker,
 * whose CPU and RSS are summed. `extraEnv` is added to the target's own (a scenario's folders and limits).
 */
export async function startTarget(target, redisUrl, extraEnv = {}) {
  const port = await freePort();
  const { script, env } = LAUNCH[target.kind](target.workers, target.main);
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server (its cluster workers
  // inherit the flags) under the benchmark's own load; NODE_OPTIONS does not accept --cpu-prof.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawnGroup(process.execPath, [...nodeArgs, script], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...env,
      // A scenario may set NODE_ENV otherwise (push: PUSH_ALLOW_INSECURE_ENDPOINTS is refused in production).
      NODE_ENV: 'production',
      ...extraEnv,
      PORT: String(port),
      REDIS_URL: redisUrl ?? '',
    },
  });
  const ready = await waitForLine(
    child,
    (line) => {
      if (!line.startsWith('{') || !/"msg":"(papo )?ready"/.test(line)) return undefined;
      return JSON.parse(line);
    },
    30_000,
    target.name,
  );
  const log = watchLog(child);
  const workers = (ready.workers ?? []).filter((pid) => pid && pid !== child.pid);
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    pids: [child.pid, ...workers],
    workerPids: workers,
    log,
    stop: () => stopGroup(child, 15_000),
  };
}

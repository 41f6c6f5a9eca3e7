// The orchestrator's side of the load generator: forks its processes (they share the 2 cores with the servers,
// so one process would cap the rate; two keep the generator's own event loop from being the first limit),
// spreads users over them (user i lives in process i mod N), and sums what they report.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Histogram } from './histogram.mjs';

const WORKER = fileURLToPath(new URL('../load-worker.mjs', import.meta.url));
const now = () => performance.timeOrigin + performance.now();

function mergeCounts(into, from) {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v;
  return into;
}

export class Generator {
  constructor(processes) {
    this.procs = [];
    this.seq = 0;
    this.calls = new Map();
    for (let i = 0; i < processes; i++) {
      const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', ({ id, result, error }) => {
        const call = this.calls.get(id);
        if (!call) return;
        this.calls.delete(id);
        if (error) call.reject(new Error(`load worker ${i}: ${error}`));
        else call.resolve(result);
      });
      child.on('exit', (code, signal) => {
        for (const [id, call] of this.calls) {
          if (call.proc !== i) continue;
          this.calls.delete(id);
          call.reject(new Error(`load worker ${i} exited (${code ?? signal})`));
        }
      });
      this.procs.push(child);
    }
  }

  get pids() {
    return this.procs.map((c) => c.pid);
  }

  get size() {
    return this.procs.length;
  }

  call(i, cmd, args) {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject, proc: i });
      this.procs[i].send({ id, cmd, args });
    });
  }

  all(cmd, argsOf = () => ({})) {
    return Promise.all(this.procs.map((_, i) => this.call(i, cmd, argsOf(i))));
  }

  owner(idx) {
    return idx % this.procs.length;
  }

  /** Groups items by the process that owns item.idx. */
  split(items) {
    const parts = this.procs.map(() => []);
    for (const item of items) parts[this.owner(item.idx)].push(item);
    return parts;
  }

  init(target, wire, bodyBytes) {
    return this.all('init', () => ({ target, wire, bodyBytes }));
  }

  /** Logs users 0..n-1 in; returns user ids by index. */
  async login(n, concurrency = 32) {
    const indices = this.split(Array.from({ length: n }, (_, idx) => ({ idx })));
    const replies = await this.all('login', (i) => ({ indices: indices[i].map((x) => x.idx), concurrency }));
    const userIds = new Array(n);
    const errors = {};
    for (const r of replies) {
      for (const [idx, userId] of r.users) userIds[idx] = userId;
      mergeCounts(errors, r.errors);
    }
    return { userIds, errors };
  }

  /** Connects users 0..n-1; `storm` starts every process at the same instant and times the whole. */
  async connect(n, { concurrency = 64, addresses = ['127.0.0.1'], storm = false } = {}) {
    const indices = this.split(Array.from({ length: n }, (_, idx) => ({ idx })));
    const startAt = storm ? now() + 300 : undefined;
    const replies = await this.all('connect', (i) => ({
      indices: indices[i].map((x) => x.idx),
      concurrency,
      addresses,
      startAt,
    }));
    const latency = new Histogram();
    const errors = {};
    let ok = 0;
    let started = Infinity;
    let ended = 0;
    for (const r of replies) {
      ok += r.ok;
      mergeCounts(errors, r.errors);
      latency.merge(r.latency);
      started = Math.min(started, r.started);
      ended = Math.max(ended, r.ended);
    }
    return { ok, failed: n - ok, errors, ms: ended - started, latency: latency.summary() };
  }

  /** items: { key, idx, kind: 'public'|'dm'|'group', title?, peerUserId?, memberIds? } → Map key → chat id */
  async createChats(items, concurrency = 32) {
    const parts = this.split(items);
    const replies = await this.all('createChats', (i) => ({ items: parts[i], concurrency }));
    const chats = new Map();
    const errors = {};
    for (const r of replies) {
      for (const { key, chatId } of r.chats) chats.set(key, chatId);
      mergeCounts(errors, r.errors);
    }
    return { chats, errors };
  }

  /** The group owner `idx` adds `batches` of user ids, in turn (on the process that holds the owner). */
  addMembers(idx, chatId, batches) {
    return this.call(this.owner(idx), 'addMembers', { idx, chatId, batches });
  }

  async joinChats(items, concurrency = 32) {
    const parts = this.split(items);
    const replies = await this.all('joinChats', (i) => ({ items: parts[i], concurrency }));
    return {
      ok: replies.reduce((a, r) => a + r.ok, 0),
      errors: replies.reduce((acc, r) => mergeCounts(acc, r.errors), {}),
    };
  }

  async awaitChats(items, timeoutMs = 15_000) {
    const parts = this.split(items);
    const replies = await this.all('awaitChats', (i) => ({ items: parts[i], timeoutMs }));
    return replies.reduce((a, r) => a + r.missing, 0);
  }

  /** plan: { idx, chatId, members } per sender; returns the senders that are connected. */
  async arm(plan) {
    const parts = this.split(plan);
    const replies = await this.all('arm', (i) => ({ plan: parts[i] }));
    this.senderShare = replies.map((r) => r.senders);
    return replies.reduce((a, r) => a + r.senders, 0);
  }

  /**
   * One open-loop step: `rate` messages/s in all for `durationMs`, then a drain until every expected delivery
   * arrived or `drainMs` passed. `onWindow(start|end)` lets the caller sample CPU at the edges. With `receipts`
   * every user does the SDK's receipts for what others send, and the drain also waits for the trailing flushes
   * (up to a second after the last message) and their events, so the window holds all the receipts' work.
   */
  async step({ step, rate, durationMs, drainMs, receipts = false }, onWindow) {
    const totalSenders = this.senderShare.reduce((a, b) => a + b, 0);
    const startAt = now() + 200;
    const started = this.all('run', (i) => ({
      step,
      rate: totalSenders ? (rate * this.senderShare[i]) / totalSenders : 0,
      durationMs,
      startAt,
      worker: i,
      receipts,
    }));
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - now())));
    onWindow('start');
    await started;
    const deadline = now() + drainMs;
    for (;;) {
      const p = await this.all('progress');
      const sum = (k) => p.reduce((a, x) => a + x[k], 0);
      const settled = sum('pending') === 0 && sum('received') >= sum('expected') && p.every((x) => x.receiptsSettled);
      if (settled || now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const windowMs = now() - startAt;
    onWindow('end');
    const replies = await this.all('collect');
    const out = {
      sent: 0,
      acked: 0,
      expected: 0,
      received: 0,
      late: 0,
      outOfOrder: 0,
      closed: 0,
      pendingAtEnd: 0,
      generatorCpuMs: 0,
      generatorStallMaxMs: 0,
      errors: {},
      receiptsSent: {},
      receiptEvents: {},
    };
    const latency = new Histogram();
    const ackLatency = new Histogram();
    const sendLag = new Histogram();
    for (const r of replies) {
      for (const k of ['sent', 'acked', 'expected', 'received', 'late', 'outOfOrder', 'closed', 'pendingAtEnd']) {
        out[k] += r[k];
      }
      out.generatorCpuMs += r.cpuMs;
      out.generatorStallMaxMs = Math.max(out.generatorStallMaxMs, r.loopStallMaxMs ?? 0);
      mergeCounts(out.errors, r.errors);
      mergeCounts(out.receiptsSent, r.receiptsSent);
      mergeCounts(out.receiptEvents, r.receiptEvents);
      latency.merge(r.latency);
      ackLatency.merge(r.ackLatency);
      sendLag.merge(r.sendLag);
    }
    return {
      ...out,
      receipts,
      windowMs,
      latency: latency.summary(),
      ackLatency: ackLatency.summary(),
      sendLag: sendLag.summary(),
    };
  }

  /** Waits until no delivery or ack has arrived for `quietMs` (a server's backlog is over); returns ms waited. */
  async quiet(quietMs, timeoutMs) {
    const t0 = now();
    for (;;) {
      const last = Math.max(...(await this.all('lastActivity')).map((r) => r.at));
      if (now() - last >= quietMs || now() - t0 >= timeoutMs) return now() - t0;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  closeAll() {
    return this.all('closeAll');
  }

  async stop() {
    for (const child of this.procs) if (child.connected) child.disconnect();
    await Promise.all(
      this.procs.map(
        (child) =>
          new Promise((r) => {
            if (child.exitCode !== null || child.signalCode !== null) return r();
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(timer);
              r();
            });
          }),
      ),
    );
  }
}

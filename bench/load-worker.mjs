// One process of the load generator (forked by lib/generator.mjs). It owns a slice of the users: logs them in,
// connects them, sets up their chats, sends open-loop on a timer schedule, and counts what they receive.
// Commands arrive over IPC as { id, cmd, args } and are answered with { id, result } or { id, error }.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TIMINGS } from '@papo/protocol';
// The SDK's own coalescing (per chat at most one flush a second, the first at once; read_receipt first,
// `received` only above the read), so that the receipt scenarios send what clients send. From its dist by
// path: the package exports only its client.
import { ReceiptSender } from '../packages/client/dist/receipts.js';
import { Histogram } from './lib/histogram.mjs';
import { WIRES } from './lib/wire.mjs';

const now = () => performance.timeOrigin + performance.now();

let target; // { kind, wire, baseUrl, wsBase }
let Wire;
let bodyPad = '';
/** By global user index. */
const users = new Map();
/** What the senders send: { user, chatId, members } each. */
let senders = [];
/** The step whose deliveries count; others are late (from an earlier step) and counted apart. */
let step = null;
let stats = newStats();
/** client_msg_id → { sentAt, members } */
const pending = new Map();
/** When a frame of a send (delivery, ack, error) last arrived, late ones included: tells when a backlog is over. */
let lastActivityAt = 0;
/**
 * Whether the users do the SDK's receipts in this step: every chat is open on every device, so each
 * message_created from someone else is wanted as received and as read.
 */
let receiptsOn = false;
/** When a receipt was last wanted, sent, or a receipt event arrived: the drain waits for the trailing flush. */
let lastReceiptWantAt = 0;
let lastReceiptActivityAt = 0;

function newStats() {
  return {
    sent: 0,
    acked: 0,
    expected: 0,
    received: 0,
    late: 0,
    outOfOrder: 0,
    closed: 0,
    errors: {},
    latency: new Histogram(),
    ackLatency: new Histogram(),
    sendLag: new Histogram(),
    // Receipt frames sent, by action, and receipt events received, by kind (not errors: contract section 10).
    receiptsSent: { read_receipt: 0, received: 0 },
    receiptEvents: { delivered_receipt: 0, read_receipt: 0, chat_receipts: 0 },
    cpu: process.cpuUsage(),
  };
}

const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

const sink = {
  delivery(user, chatId, id, body, own) {
    lastActivityAt = now();
    const last = user.lastIds.get(chatId) ?? 0;
    if (id <= last) stats.outOfOrder++;
    else user.lastIds.set(chatId, id);
    if (receiptsOn && !own) {
      // As an app with the chat open: read at once, which the SDK sends first and which stands for received.
      lastReceiptWantAt = lastActivityAt;
      user.receipts.read(chatId, id);
      user.receipts.received(chatId, id);
    } else if (receiptsOn) {
      // As the SDK does (chat-sync.ts): an own message raised the user's marks on the server already.
      user.receipts.alreadyRead(chatId, id);
    }
    // Bodies are s<step>t<send time ms>x<padding>.
    const t = body.indexOf('t');
    if (body.charCodeAt(0) !== 0x73 || t < 0) return;
    if (Number(body.slice(1, t)) !== step) {
      stats.late++;
      return;
    }
    stats.received++;
    stats.latency.add(now() - Number(body.slice(t + 1, body.indexOf('x', t))));
  },
  ack(clientMsgId) {
    lastActivityAt = now();
    const p = pending.get(clientMsgId);
    if (!p) return;
    pending.delete(clientMsgId);
    stats.acked++;
    stats.expected += p.members;
    stats.ackLatency.add(now() - p.sentAt);
  },
  error(code, clientMsgId) {
    lastActivityAt = now();
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    if (clientMsgId) pending.delete(clientMsgId);
  },
  closed(user) {
    if (!user.closing) stats.closed++;
  },
  receiptEvent(kind) {
    lastReceiptActivityAt = now();
    stats.receiptEvents[kind]++;
  },
};

/** A user's ReceiptSender, whose sends go out on the user's socket (when it is open) and are counted. */
function receiptSender(user) {
  return new ReceiptSender((action, chatId, messageId) => {
    if (!user.wire) return false;
    lastReceiptActivityAt = now();
    stats.receiptsSent[action]++;
    return user.wire.receipt(action, chatId, messageId);
  }, TIMINGS.receiptCoalesceMs);
}

/** Runs fn over items with at most `limit` in flight; resolves with the results in order. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function countError(errors, err) {
  const code = err?.code ?? err?.message ?? String(err);
  errors[code] = (errors[code] ?? 0) + 1;
}

const commands = {
  init(args) {
    target = args.target;
    Wire = WIRES[args.wire];
    bodyPad = 'x'.repeat(Math.max(1, args.bodyBytes - 22));
    return { pid: process.pid };
  },

  async login({ indices, concurrency }) {
    const errors = {};
    const out = await pool(indices, concurrency, async (idx) => {
      try {
        const res = await fetch(`${target.baseUrl}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: `bench${idx}` }),
        });
        if (!res.ok) throw new Error(`http_${res.status}`);
        const { token, user_id: userId } = await res.json();
        const user = { idx, token, userId, chats: new Set(), lastIds: new Map(), wire: null, closing: false };
        user.receipts = receiptSender(user);
        users.set(idx, user);
        return [idx, userId];
      } catch (err) {
        countError(errors, err);
        return null;
      }
    });
    return { users: out.filter(Boolean), errors };
  },

  /** Connects the users and waits for each auth_ok; `startAt` lines up the workers of a connect storm. */
  async connect({ indices, concurrency, addresses, startAt }) {
    const errors = {};
    const latency = new Histogram();
    if (startAt) await new Promise((r) => setTimeout(r, Math.max(0, startAt - now())));
    const started = now();
    let ok = 0;
    let lastAt = started;
    await pool(indices, concurrency, async (idx, i) => {
      const user = users.get(idx);
      if (!user) return;
      const t0 = now();
      user.wire = new Wire(user, target, sink);
      try {
        await user.wire.connect(addresses[i % addresses.length]);
        ok++;
        lastAt = now();
        latency.add(lastAt - t0);
      } catch (err) {
        countError(errors, err);
        user.wire.close();
        user.wire = null;
      }
    });
    return { ok, failed: indices.length - ok, errors, started, ended: lastAt, latency: latency.toJSON() };
  },

  async createChats({ items, concurrency }) {
    const errors = {};
    const out = await pool(items, concurrency, async (item) => {
      const user = users.get(item.idx);
      try {
        const chatId =
          item.kind === 'dm'
            ? await user.wire.createDm(item.peerUserId)
            : item.kind === 'group'
              ? await user.wire.createGroup(item.title, item.memberIds)
              : await user.wire.createPublicChat(item.title);
        return { key: item.key, chatId };
      } catch (err) {
        countError(errors, err);
        return null;
      }
    });
    return { chats: out.filter(Boolean), errors };
  },

  /** A group's owner adds users, up to 255 at a time (add_members), one batch after another. */
  async addMembers({ idx, chatId, batches }) {
    const errors = {};
    let added = 0;
    for (const userIds of batches) {
      try {
        const reply = await users.get(idx).wire.addMembers(chatId, userIds);
        added += reply.user_ids.length;
      } catch (err) {
        countError(errors, err);
      }
    }
    return { added, errors };
  },

  async joinChats({ items, concurrency }) {
    const errors = {};
    let ok = 0;
    await pool(items, concurrency, async ({ idx, chatId }) => {
      try {
        await users.get(idx).wire.joinChat(chatId);
        ok++;
      } catch (err) {
        countError(errors, err);
      }
    });
    return { ok, errors };
  },

  /** Waits until every listed user's connection has been told of its chat (peers of a DM learn by dm_ready). */
  async awaitChats({ items, timeoutMs }) {
    const deadline = now() + timeoutMs;
    const missing = () => items.filter(({ idx, chatId }) => !users.get(idx)?.chats.has(chatId)).length;
    while (missing() > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return { missing: missing() };
  },

  arm({ plan }) {
    senders = plan.map(({ idx, chatId, members }) => ({ user: users.get(idx), chatId, members }));
    senders = senders.filter((s) => s.user?.wire);
    return { senders: senders.length };
  },

  /** Open loop: message k is due at startAt + k / rate, whether or not earlier ones were acknowledged. */
  async run(args) {
    step = args.step;
    receiptsOn = args.receipts === true;
    stats = newStats();
    pending.clear();
    const total = senders.length === 0 ? 0 : Math.round((args.rate * args.durationMs) / 1000);
    if (total === 0) return { sent: 0 };
    const interval = args.durationMs / total;
    await new Promise((r) => setTimeout(r, Math.max(0, args.startAt - now())));
    const t0 = args.startAt;
    let k = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const t = now();
        const due = Math.min(total, Math.floor((t - t0) / interval) + 1);
        for (; k < due; k++) {
          const sender = senders[k % senders.length];
          const sentAt = now();
          stats.sendLag.add(sentAt - (t0 + k * interval));
          const cmid = `${step}-${args.worker}-${k}`;
          pending.set(cmid, { sentAt, members: sender.members });
          sender.user.wire.send(sender.chatId, `s${step}t${sentAt.toFixed(3)}${bodyPad}`, cmid);
          stats.sent++;
        }
        if (k >= total) return resolve();
        setTimeout(tick, Math.max(0, t0 + k * interval - now()));
      };
      tick();
    });
    return { sent: stats.sent };
  },

  progress() {
    const errors = Object.values(stats.errors).reduce((a, b) => a + b, 0);
    const t = now();
    return {
      // With receipts on, the step is over once every trailing flush went out (a chat's next flush is due at
      // most one interval after the last message wanted it) and its events arrived.
      receiptsSettled:
        !receiptsOn || (t - lastReceiptWantAt >= TIMINGS.receiptCoalesceMs + 50 && t - lastReceiptActivityAt >= 100),
      sent: stats.sent,
      acked: stats.acked,
      pending: pending.size,
      expected: stats.expected,
      errors,
      received: stats.received,
    };
  },

  /** The step's figures; deliveries that still arrive count as late from here on. */
  collect() {
    step = null;
    const cpu = process.cpuUsage(stats.cpu);
    const result = {
      ...stats,
      pendingAtEnd: pending.size,
      latency: stats.latency.toJSON(),
      ackLatency: stats.ackLatency.toJSON(),
      sendLag: stats.sendLag.toJSON(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      // The longest this process's event loop was held up: a late delivery may be the generator's, not the server's.
      loopStallMaxMs: loopDelay.max / 1e6,
    };
    loopDelay.reset();
    stats = newStats();
    pending.clear();
    return result;
  },

  lastActivity() {
    return { at: lastActivityAt };
  },

  cpu() {
    const cpu = process.cpuUsage();
    return { cpuMs: (cpu.user + cpu.system) / 1000 };
  },

  closeAll() {
    for (const user of users.values()) {
      user.closing = true;
      user.receipts.reset();
      user.wire?.close();
      user.wire = null;
    }
    users.clear();
    senders = [];
    return {};
  },
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    const result = await commands[cmd](args ?? {});
    process.send({ id, result });
  } catch (err) {
    process.send({ id, error: err?.stack ?? String(err) });
  }
});
process.on('disconnect', () => process.exit(0));

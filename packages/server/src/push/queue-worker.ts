import type { PushPayload } from '@papo/protocol';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { metrics, type PushFigures } from '../metrics.js';
import type { Keys } from '../store/keys.js';
import type { KeptSubscription, PushStore } from '../store/push.js';
import type { RedisClient, ScriptRunner } from '../store/redis.js';
import { chatTopic, messagePayload, type StoredMessage } from './payload.js';
import type { PushResult, PushSender } from './sender.js';

/** The consumer group every worker of every instance reads the queue in. */
const GROUP = 'push';
/** Entries one read takes. */
const BATCH = 32;
/** Entries one worker has taken and not done, at most (it reads no more until some are done). */
const MAX_TAKEN = 256;
/** How long a read waits for an entry (ms). */
const BLOCK_MS = 5000;
/** How long a claimed retry is a worker's before another may take it (ms). */
const RETRY_LEASE_MS = 60_000;
/** How often each worker looks for retries that are due (ms). */
const RETRY_POLL_MS = 1000;
/** An entry taken again this many times without being done (it fails each time) is given up. */
const MAX_DELIVERIES = 5;
/** Consumers (workers gone: each run of a worker is one) with nothing pending are forgotten after this idle (ms). */
const CONSUMER_FORGOTTEN_MS = 3_600_000;
/** How often a worker looks for such consumers (ms). */
const CONSUMER_PRUNE_MS = 600_000;
/** Queue figures for /metrics are read at most this often (ms). */
const FIGURES_MS = 5000;

type Entry = [id: string, fields: string[]];
/** A push to try again (push:retry): who and which device, what, and how many tries so far. */
type Retry = { u: string; e: string; p: string; t: string; g: 'normal' | 'high'; a: number; s: number; k: string };

export type PushWorkerDeps = {
  /** Commands (scripts, acks). */
  redis: RedisClient;
  /** A connection of its own for the blocking reads. */
  blocking: RedisClient;
  run: ScriptRunner;
  keys: Keys;
  config: Config;
  log: Logger;
  push: PushStore;
  sender: () => Promise<PushSender>;
  /** This worker's name in the consumer group. */
  consumer: string;
};

/** At most `limit` tasks at once; the rest wait their turn, in order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A waiter is handed the slot of the task that ends, so none slips in between.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Runs `work` over `items`, at most `limit` at once. */
async function inTurns<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(lanes);
}

/**
 * The push workers (contract section 13): every server worker reads the push queue (push:queue, a Stream)
 * through one consumer group, so any worker of any instance takes the next entry, and an entry taken by a
 * worker that died is taken again by another once it has been idle PUSH_CLAIM_IDLE_MS (XAUTOCLAIM). An entry is
 * acknowledged (and deleted) only when done: every device pushed, dropped, or put on the retry list. So a crash
 * loses none; it may push a device twice, which the device shows as one notification (the same tag, the chat).
 * Pushes that failed for a while (429, 5xx, the network) wait on push:retry with a growing delay and are given
 * up after PUSH_RETRIES.
 */
export function startPushWorker(deps: PushWorkerDeps) {
  const { redis, blocking, run, keys, config, log, push, consumer } = deps;
  let stopped = false;
  let groupReady = false;
  /** Entries taken from the queue and not done yet, by id. */
  const taken = new Set<string>();
  /** The last entry started of each chat (the next one waits for it). */
  const lanes = new Map<string, Promise<void>>();
  /** Wakes the reader waiting for room (fewer than MAX_TAKEN entries being done). */
  let roomMade: (() => void) | undefined;
  /** Requests to push services under way, at most PUSH_CONCURRENCY. */
  const sending = new Semaphore(config.pushConcurrency);

  async function ensureGroup(): Promise<void> {
    if (groupReady) return;
    try {
      // From the stream's start: entries queued before any worker made the group are not lost.
      await redis.xgroup('CREATE', keys.pushQueue, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err as Error).message.startsWith('BUSYGROUP')) throw err;
    }
    groupReady = true;
  }

  function failed(reason: string): void {
    metrics.pushFailed.inc({ reason });
  }

  /** The reason a failed attempt is counted under. */
  function reasonOf(result: PushResult): string {
    if (result.outcome === 'gone') return 'gone';
    if (result.outcome === 'refused') return 'refused';
    if (result.status === 429) return 'rate_limited';
    return result.status >= 500 ? 'server_error' : 'network';
  }

  /** When the next try of a push that failed `attempt` times is due (ms from now): ×6 each time, or Retry-After. */
  function retryDelay(attempt: number, result: PushResult): number {
    const backoff = config.pushRetryBaseMs * 6 ** (attempt - 1);
    // A push service's Retry-After is followed, within the push's own lifetime.
    return result.retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(result.retryAfterMs, 3_600_000));
  }

  /**
   * One push to one device; what the push service answers decides: sent, the subscription dropped (gone, or
   * refused: it will never take a push), or another try later. `attempt` is how many tries came before.
   */
  async function deliver(userId: string, sub: KeptSubscription, job: Omit<Retry, 'u' | 'e' | 'a'>, attempt: number) {
    const sender = await deps.sender();
    const ttl = Math.max(0, config.pushTtlSeconds - Math.floor((Date.now() - job.s) / 1000));
    const result = await sending.run(() => sender.send(sub, job.p, { topic: job.t, ttl, urgency: job.g }));
    if (result.outcome === 'sent') {
      metrics.pushSent.inc({ type: job.k });
      return true;
    }
    failed(reasonOf(result));
    if (result.outcome === 'gone' || result.outcome === 'refused') {
      log.info({ user: userId, status: result.status }, 'push subscription dropped');
      await push.drop(userId, sub.endpoint);
      return false;
    }
    const tries = attempt + 1;
    const delay = retryDelay(tries, result);
    if (tries > config.pushRetries || (ttl > 0 && delay > ttl * 1000)) {
      failed('gave_up');
      return false;
    }
    // A push service refusing everything for long fills the list no faster than pushes come, each for 43 min
    // at most; past PUSH_QUEUE_MAX waiting, new failures are given up rather than kept.
    if ((await redis.zcard(keys.pushRetry)) >= config.pushQueueMax) {
      failed('gave_up');
      return false;
    }
    const retry: Retry = { ...job, u: userId, e: sub.endpoint, a: tries };
    await redis.zadd(keys.pushRetry, Date.now() + delay, JSON.stringify(retry));
    return false;
  }

  /** A new message: each member the chat would push who is away now, on each of their devices. */
  async function pushMessage(chatId: string, messageId: number, fresh: boolean): Promise<void> {
    const targets = await push.messageTargets(chatId, messageId, fresh);
    if (!targets) return;
    const message = JSON.parse(targets.message) as StoredMessage;
    const [senderName, senderPicture] = await redis.hmget(keys.user(message.sender_id), 'username', 'avatar_url');
    const queuedAt = Date.now();
    const topic = chatTopic(chatId);
    await inTurns(targets.recipients, config.pushConcurrency, async ({ userId, mentioned }) => {
      // Only devices whose session is live: one logged out is pushed nothing of the account.
      const subs = await push.live(userId, await push.awaySubscriptions(userId));
      if (subs.length === 0) return;
      const payload: PushPayload = messagePayload({
        chatId,
        kind: targets.kind,
        chatTitle: targets.title,
        chatPicture: targets.avatarUrl,
        senderName: senderName ?? '',
        senderPicture: senderPicture ?? '',
        message,
        mentioned,
        preview: config.pushPreview,
      });
      const job = { p: JSON.stringify(payload), t: topic, g: 'high' as const, s: queuedAt, k: 'message' };
      // Marked before it leaves: a read meanwhile sends the closing push, which has the same Topic, so a push
      // service still holding the message replaces it.
      await push.pushed(userId, chatId, messageId);
      await Promise.all(subs.map((sub) => deliver(userId, sub, job, 0)));
    });
  }

  /** A read elsewhere: the chat's notification closes on the user's devices (a push that shows nothing). */
  async function pushRead(userId: string, chatId: string, messageId: number): Promise<void> {
    const subs = await push.live(userId, await push.subscriptions(userId));
    const payload: PushPayload = { type: 'read', chat_id: chatId, message_id: messageId };
    const job = { p: JSON.stringify(payload), t: chatTopic(chatId), g: 'normal' as const, s: Date.now(), k: 'read' };
    await inTurns(subs, config.pushConcurrency, async (sub) => void (await deliver(userId, sub, job, 0)));
  }

  /** Does one entry: acknowledged when done, else left pending for a later try (a claim after it idles). */
  async function handle([id, fields]: Entry, claimed: boolean): Promise<void> {
    const [kind, value = ''] = fields;
    const parts = value.split(' ');
    try {
      if (kind === 'm') {
        const [chatId = '', messageId = '0'] = parts;
        // An entry taken over from a dead worker is decided again (that worker may have decided and not sent).
        await pushMessage(chatId, Number(messageId), !claimed);
      } else if (kind === 'r') {
        const [userId = '', chatId = '', messageId = '0'] = parts;
        await pushRead(userId, chatId, Number(messageId));
      }
    } catch (err) {
      log.warn({ entry: id, err: (err as Error).message }, 'push entry failed; left for another try');
      if (!claimed) return;
      // Taken over and failing again: given up after a few deliveries (an entry that can never be done).
      const pending = (await redis.xpending(keys.pushQueue, GROUP, id, id, 1).catch(() => [])) as [
        string,
        string,
        number,
        number,
      ][];
      if ((pending[0]?.[3] ?? 0) < MAX_DELIVERIES) return;
      failed('gave_up');
    }
    // Written back to back on the one connection: a single round trip.
    await Promise.all([redis.xack(keys.pushQueue, GROUP, id), redis.xdel(keys.pushQueue, id)]);
  }

  /** The chat an entry is about: its entries are done one after the other. */
  function chatOf([, fields]: Entry): string {
    const parts = (fields[1] ?? '').split(' ');
    return (fields[0] === 'r' ? parts[1] : parts[0]) ?? '';
  }

  /**
   * Starts entries without waiting for them: each chat's in their order (a chat's later message replaces the
   * earlier one's notification, so it must not overtake it), different chats side by side, so one slow push
   * service holds up its own chat only. An entry already being done here (claimed again) is not started twice.
   */
  function take(entries: Entry[], claimed: boolean): void {
    for (const entry of entries) {
      const [id] = entry;
      if (taken.has(id)) continue;
      taken.add(id);
      const chat = chatOf(entry);
      const tail: Promise<void> = (lanes.get(chat) ?? Promise.resolve())
        .then(() => handle(entry, claimed))
        .then(
          () => {},
          () => {},
        )
        .finally(() => {
          taken.delete(id);
          if (lanes.get(chat) === tail) lanes.delete(chat);
          const wake = roomMade;
          roomMade = undefined;
          wake?.();
        });
      lanes.set(chat, tail);
    }
  }

  /** Keeps the entries being done here fresh in the group, so no worker takes them over while they are. */
  async function keepTaken(): Promise<void> {
    if (taken.size === 0) return;
    await redis.xclaim(keys.pushQueue, GROUP, consumer, 0, ...taken, 'JUSTID');
  }

  /** Reads new entries, blocking, while fewer than MAX_TAKEN are being done, until stopped. */
  async function readLoop(): Promise<void> {
    while (!stopped) {
      try {
        if (taken.size >= MAX_TAKEN) {
          await new Promise<void>((resolve) => {
            roomMade = resolve;
          });
          continue;
        }
        await ensureGroup();
        const answer = (await blocking.xreadgroup(
          'GROUP',
          GROUP,
          consumer,
          'COUNT',
          Math.min(BATCH, MAX_TAKEN - taken.size),
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          keys.pushQueue,
          '>',
        )) as [string, Entry[]][] | null;
        take(answer?.[0]?.[1] ?? [], false);
      } catch (err) {
        if (stopped) return;
        if ((err as Error).message.startsWith('NOGROUP')) groupReady = false;
        else log.debug({ err: (err as Error).message }, 'push queue read failed');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  let prunedAt = 0;
  /** Forgets the group's consumers of workers long gone with nothing pending (else the group lists every run). */
  async function pruneConsumers(): Promise<void> {
    if (Date.now() - prunedAt < CONSUMER_PRUNE_MS) return;
    prunedAt = Date.now();
    const consumers = (await redis.xinfo('CONSUMERS', keys.pushQueue, GROUP)) as (string | number)[][];
    for (const fields of consumers) {
      const info = new Map<string, string | number>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1] as string | number);
      const name = String(info.get('name'));
      if (name === consumer || Number(info.get('pending')) > 0) continue;
      if (Number(info.get('idle')) < CONSUMER_FORGOTTEN_MS) continue;
      await redis.xgroup('DELCONSUMER', keys.pushQueue, GROUP, name);
    }
  }

  /** Takes over entries a worker took and did not finish within PUSH_CLAIM_IDLE_MS (it died, or Redis went). */
  async function claimStale(): Promise<void> {
    await ensureGroup();
    await pruneConsumers();
    let cursor = '0-0';
    // Within the same bound as the reader: the rest waits for the next pass.
    for (let round = 0; round < 10 && !stopped && taken.size < MAX_TAKEN; round++) {
      const [next, entries] = (await redis.xautoclaim(
        keys.pushQueue,
        GROUP,
        consumer,
        config.pushClaimIdleMs,
        cursor,
        'COUNT',
        BATCH,
      )) as [string, (Entry | null)[]];
      take(
        entries.filter((entry): entry is Entry => entry !== null && Array.isArray(entry[1])),
        true,
      );
      if (next === '0-0') return;
      cursor = next;
    }
  }

  /** Retries that are due: claimed (push-due.lua), tried, then taken off the list or put back for later. */
  async function retryDue(): Promise<void> {
    // A plain look first: most of the time nothing is due, and the claiming script is not run for nothing.
    const earliest = await redis.zrange(keys.pushRetry, 0, 0, 'WITHSCORES');
    if (earliest.length < 2 || Number(earliest[1]) > Date.now()) return;
    const due = (await run('push-due', [keys.pushRetry], [Date.now(), RETRY_LEASE_MS, BATCH])) as string[];
    await inTurns(due, config.pushConcurrency, async (member) => {
      const retry = JSON.parse(member) as Retry;
      // Pushed with the device's keys of now; a device unsubscribed (or logged out) meanwhile is not pushed.
      const sub = await push.subscription(retry.u, retry.e);
      const [live] = sub ? await push.live(retry.u, [sub]) : [];
      if (live) await deliver(retry.u, live, retry, retry.a);
      await redis.zrem(keys.pushRetry, member);
    });
  }

  function every(ms: number, what: string, work: () => Promise<void>): NodeJS.Timeout {
    let running = false;
    const timer = setInterval(() => {
      if (running || stopped) return;
      running = true;
      work()
        .catch((err: Error) => log.debug({ err: err.message }, `${what} failed`))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    return timer;
  }

  const reading = readLoop();
  const timers = [
    every(Math.max(100, Math.floor(config.pushClaimIdleMs / 2)), 'push claim', claimStale),
    every(Math.max(50, Math.floor(config.pushClaimIdleMs / 3)), 'push keep-alive', keepTaken),
    every(RETRY_POLL_MS, 'push retries', retryDue),
  ];

  let figures: { at: number; value: Promise<PushFigures> } | undefined;

  return {
    /** Queue figures for /metrics, read at most every 5 s. */
    figures(): Promise<PushFigures> {
      if (!figures || Date.now() - figures.at > FIGURES_MS) {
        const value = Promise.all([
          redis.xlen(keys.pushQueue),
          redis.zcard(keys.pushRetry),
          redis.get(keys.pushSubscriptionCount),
        ]).then(([queued, retrying, subscriptions]) => ({
          queued,
          retrying,
          subscriptions: Math.max(0, Number(subscriptions ?? 0)),
        }));
        figures = { at: Date.now(), value };
        value.catch(() => {
          figures = undefined;
        });
      }
      return figures.value;
    },

    /** Stops taking entries; waits for those being done (bounded by the caller). */
    async stop(): Promise<void> {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      blocking.disconnect();
      roomMade?.();
      await reading.catch(() => {});
      await Promise.allSettled([...lanes.values()]);
    },
  };
}

export type PushWorker = ReturnType<typeof startPushWorker>;

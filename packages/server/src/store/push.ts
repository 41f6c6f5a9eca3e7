import { LIMITS, type PushSubscriptionBody } from '@papo/protocol';
import webpush from 'web-push';
import { checkedEndpoint } from '../push/endpoint.js';
import { countHit, okOrThrow, type ReadCommand, readAll, type StoreContext } from './store.js';

export type VapidKeys = { publicKey: string; privateKey: string };

/**
 * A subscription as kept in push:subs:{user_id}: with the session it was made in, so that a device logged out
 * (or revoked from another, or expired) is pushed nothing more of the account.
 */
export type KeptSubscription = PushSubscriptionBody & { at: number; session?: string };

/** What a chat says about a new message to push (push-message.lua). */
export type MessagePushTargets = {
  /** The message as stored (JSON). */
  message: string;
  kind: string;
  title: string;
  avatarUrl: string;
  recipients: { userId: string; mentioned: boolean }[];
};

/** Subscribing enrols the user in each of their chats: bounded per user and hour (the web re-subscribes per start). */
const SUBSCRIBES_PER_HOUR = 60;
/**
 * An unchanged subscription sent again (the web client does at each start) within this is left alone: no
 * enrolment in every chat again. Past it, it enrols again, which mends lists a crash left short.
 */
const UNCHANGED_STANDS_S = 86_400;
/** Chats enrolled (or left) at once when a user's first subscription comes (or their last goes). */
const ENROL_BATCH = 64;

/**
 * Queues a new message for the push workers: after a send whose chat has the `push` flag (send-message.lua says
 * so), issued before the ack is written, so a worker that dies after its ack has queued it. A failure is logged
 * by the caller; the message itself is stored.
 */
export function queueMessagePush(context: StoreContext, chatId: string, messageId: number) {
  return queuePush(context, 'm', `${chatId} ${messageId}`);
}

/** Adds an entry to the push queue (push/queue-worker.ts reads it): `m` a new message, `r` a read. */
function queuePush({ redis, keys, config }: StoreContext, kind: 'm' | 'r', value: string) {
  return redis.xadd(keys.pushQueue, 'MAXLEN', '~', config.pushQueueMax, '*', kind, value);
}

/**
 * A user was listed in a chat (joined, added, a DM made): enrolled in its push list when they have push
 * subscriptions; unlisted: taken off. Best effort (the caller does not wait on it): an enrolment lost to a crash
 * is mended by the user's next subscribe (the web client subscribes at each start), a stale entry by
 * push-message.lua, which drops members who left.
 */
export async function enrolListed(context: StoreContext, userId: string, chatId: string, op: '+' | '-') {
  const { redis, keys } = context;
  if (op === '+' && (await redis.exists(keys.pushSubs(userId))) === 0) return;
  await enrol(context, userId, chatId, op);
}

/** The user on (or off) one chat's push list: push-enrol.lua, which enrols members only. */
function enrol({ run, keys }: StoreContext, userId: string, chatId: string, op: '+' | '-') {
  return run('push-enrol', [keys.chat(chatId), keys.members(chatId), keys.chatPush(chatId)], [userId, op]);
}

/** Takes a subscription away; when it was the user's last, the user leaves their chats' push lists. */
export async function dropSubscription(context: StoreContext, userId: string, endpoint: string): Promise<boolean> {
  const { redis, keys } = context;
  const removed = await redis.hdel(keys.pushSubs(userId), endpoint);
  if (removed === 0) return false;
  await redis.decr(keys.pushSubscriptionCount);
  if ((await redis.exists(keys.pushSubs(userId))) === 0) {
    await enrolEverywhere(context, userId, '-');
    // Another device subscribed while its lists were being left (its enrolments may have gone first): back on.
    if ((await redis.exists(keys.pushSubs(userId))) === 1) await enrolEverywhere(context, userId, '+');
  }
  return true;
}

/** Drops the subscriptions made in a session that ended (logout, revoked, replaced): its device is pushed no more. */
export async function dropSessionSubscriptions(context: StoreContext, userId: string, sessionId: string) {
  const kept = await context.redis.hgetall(context.keys.pushSubs(userId));
  for (const [endpoint, json] of Object.entries(kept)) {
    if ((JSON.parse(json) as KeptSubscription).session === sessionId) await dropSubscription(context, userId, endpoint);
  }
}

/** Enrols (or takes off) the user in every chat of theirs, a batch at a time. */
async function enrolEverywhere(context: StoreContext, userId: string, op: '+' | '-'): Promise<void> {
  const chats = await context.redis.smembers(context.keys.userChats(userId));
  for (let i = 0; i < chats.length; i += ENROL_BATCH) {
    await Promise.all(chats.slice(i, i + ENROL_BATCH).map((chatId) => enrol(context, userId, chatId, op)));
  }
}

/**
 * Push subscriptions per device, the server's VAPID keys, and the queue of pushes to make (contract section 13).
 * A chat keeps the members who have subscriptions (chat:{id}:push, push-enrol.lua) and a `push` flag in its
 * hash: a send in a chat with the flag queues the message (push:queue, a Stream), and the push workers decide
 * whom to push (push/queue-worker.ts). The send path does nothing more where nobody has push.
 */
export function createPushStore(context: StoreContext) {
  const { redis, run, keys, config } = context;
  let vapid: Promise<VapidKeys> | undefined;

  return {
    /**
     * The VAPID key pair: VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY, or a pair made by whichever worker asks first and
     * kept in Redis (SET NX), so every instance signs with the same key and subscriptions outlive restarts.
     */
    vapidKeys(): Promise<VapidKeys> {
      const { publicKey, privateKey } = config.vapid;
      if (publicKey && privateKey) return Promise.resolve({ publicKey, privateKey });
      vapid ??= (async () => {
        const made = webpush.generateVAPIDKeys();
        await redis.set(keys.pushVapid, JSON.stringify(made), 'NX');
        const kept = await redis.get(keys.pushVapid);
        if (!kept) throw new Error('the VAPID keys are missing from Redis');
        return JSON.parse(kept) as VapidKeys;
      })().catch((err: unknown) => {
        vapid = undefined;
        throw err;
      });
      return vapid;
    },

    /**
     * Keeps a device's subscription (its endpoint checked: no SSRF door) and enrols the user in each of their
     * chats' push lists; the endpoint it replaced, or ''. Enrolling again (at least daily, as the web client
     * subscribes at each start) mends a list a crash left short (a join whose enrolment was lost).
     */
    async subscribe(userId: string, subscription: PushSubscriptionBody, sessionId?: string): Promise<string> {
      checkedEndpoint(subscription.endpoint, config.pushAllowInsecureEndpoints);
      await countHit(run, keys.ratePushSubscribe(userId), SUBSCRIBES_PER_HOUR, 3600, 'push subscriptions');
      const at = Math.floor(Date.now() / 1000);
      const kept: KeptSubscription = { endpoint: subscription.endpoint, keys: subscription.keys, at };
      if (sessionId) kept.session = sessionId;
      const json = JSON.stringify(kept);
      const reply = await run(
        'push-subscribe',
        [keys.pushSubs(userId)],
        [
          subscription.endpoint,
          json,
          LIMITS.pushSubscriptionsMax,
          at,
          subscription.keys.p256dh,
          subscription.keys.auth,
          sessionId ?? '',
          UNCHANGED_STANDS_S,
        ],
      );
      const [replaced, added, unchanged] = okOrThrow(reply as unknown[]) as [string, number, number];
      if (Number(added) === 1) await redis.incr(keys.pushSubscriptionCount);
      if (Number(unchanged) !== 1) await enrolEverywhere(context, userId, '+');
      return String(replaced ?? '');
    },

    /** Forgets a device's subscription (logout, notifications turned off). */
    async unsubscribe(userId: string, endpoint: string): Promise<void> {
      await dropSubscription(context, userId, endpoint);
    },

    /** A subscription the push service says is gone (404, 410), whose endpoint is refused, or whose session ended. */
    drop: (userId: string, endpoint: string) => dropSubscription(context, userId, endpoint),

    /** Of a user's subscriptions, those whose session is still live; the others are dropped. */
    async live(userId: string, subs: KeptSubscription[]): Promise<KeptSubscription[]> {
      const withSession = subs.filter((sub) => sub.session);
      if (withSession.length === 0) return subs;
      const exists = await readAll(
        redis,
        withSession.map((sub): ReadCommand => ['exists', keys.session(sub.session as string)]),
      );
      const ended = new Set(withSession.filter((_, i) => Number(exists[i]) === 0));
      for (const sub of ended) await dropSubscription(context, userId, sub.endpoint);
      return subs.filter((sub) => !ended.has(sub));
    },

    /** A user's subscriptions, as kept. */
    async subscriptions(userId: string): Promise<KeptSubscription[]> {
      const all = await redis.hvals(keys.pushSubs(userId));
      return all.map((json) => JSON.parse(json) as KeptSubscription);
    },

    /** One subscription of a user, as kept now (a retry pushes with the keys of today). */
    async subscription(userId: string, endpoint: string): Promise<KeptSubscription | undefined> {
      const json = await redis.hget(keys.pushSubs(userId), endpoint);
      return json === null ? undefined : (JSON.parse(json) as KeptSubscription);
    },

    /** Queues the push that closes a chat's notification on a user's devices (they read it somewhere). */
    queueRead(userId: string, chatId: string, messageId: number): Promise<unknown> {
      return queuePush(context, 'r', `${userId} ${chatId} ${messageId}`);
    },

    /**
     * Whom the chat would push a message to (push-message.lua); undefined when nobody, the message is gone, or
     * it was decided already (`fresh`: an entry new from the queue, not one taken over from a dead worker).
     */
    async messageTargets(chatId: string, messageId: number, fresh: boolean): Promise<MessagePushTargets | undefined> {
      const reply = (await run(
        'push-message',
        [
          keys.chat(chatId),
          keys.members(chatId),
          keys.messages(chatId),
          keys.chatPush(chatId),
          keys.mute(chatId),
          keys.chatPushDone(chatId),
        ],
        [messageId, Math.floor(Date.now() / 1000), fresh ? '1' : '0'],
      )) as string[];
      if (reply.length <= 4) return undefined;
      const [message, kind, title, avatarUrl] = reply as [string, string, string, string];
      const recipients: MessagePushTargets['recipients'] = [];
      for (let i = 4; i + 1 < reply.length; i += 2) {
        recipients.push({ userId: reply[i] as string, mentioned: reply[i + 1] === '1' });
      }
      return { message, kind, title, avatarUrl, recipients };
    },

    /** Where to push a user now: their subscriptions when they are away (push-recipient.lua), else none. */
    async awaySubscriptions(userId: string): Promise<KeptSubscription[]> {
      const all = (await run(
        'push-recipient',
        [keys.presenceConns(userId), keys.presenceHidden(userId), keys.pushSubs(userId)],
        [Math.floor(Date.now() / 1000), config.pushIdleSeconds],
      )) as string[];
      return all.map((json) => JSON.parse(json) as KeptSubscription);
    },

    /** Notes that a message of the chat was pushed to the user: their next read there closes it elsewhere. */
    async pushed(userId: string, chatId: string, messageId: number): Promise<void> {
      await run('push-mark', [keys.chatPush(chatId)], [userId, messageId]);
    },
  };
}

export type PushStore = ReturnType<typeof createPushStore>;

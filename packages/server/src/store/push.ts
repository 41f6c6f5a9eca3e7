import { LIMITS, type PushSubscriptionBody } from '@papo/protocol';
import webpush from 'web-push';
import { checkedEndpoint } from '../push/endpoint.js';
import { okOrThrow, type StoreContext } from './store.js';

export type VapidKeys = { publicKey: string; privateKey: string };

/** Push subscriptions per device and the server's VAPID keys (contract section 13). */
export function createPushStore({ redis, run, keys, config }: StoreContext) {
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

    /** Keeps a device's subscription (its endpoint checked: no SSRF door); the endpoint it replaced, or ''. */
    async subscribe(userId: string, subscription: PushSubscriptionBody): Promise<string> {
      checkedEndpoint(subscription.endpoint, config.pushAllowInsecureEndpoints);
      const at = Math.floor(Date.now() / 1000);
      const json = JSON.stringify({ endpoint: subscription.endpoint, keys: subscription.keys, at });
      const replaced = await run(
        'push-subscribe',
        [keys.pushSubs(userId)],
        [subscription.endpoint, json, LIMITS.pushSubscriptionsMax, at],
      );
      if (Array.isArray(replaced)) okOrThrow(replaced);
      return String(replaced ?? '');
    },

    async unsubscribe(userId: string, endpoint: string): Promise<void> {
      await redis.hdel(keys.pushSubs(userId), endpoint);
    },

    /** A user's subscriptions, as kept. */
    async subscriptions(userId: string): Promise<(PushSubscriptionBody & { at: number })[]> {
      const all = await redis.hvals(keys.pushSubs(userId));
      return all.map((json) => JSON.parse(json) as PushSubscriptionBody & { at: number });
    },
  };
}

export type PushStore = ReturnType<typeof createPushStore>;

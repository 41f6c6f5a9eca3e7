import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import webpush from 'web-push';
import { checkedEndpoint, isPublicAddress } from './endpoint.js';

/** A device's subscription, as kept (push:subs:{user_id}). */
export type PushTarget = { endpoint: string; keys: { p256dh: string; auth: string } };

/** What became of one push: delivered, the subscription is gone (drop it), worth a retry later, or refused. */
export type PushOutcome = 'sent' | 'gone' | 'retry' | 'refused';

/** A VAPID token's life (RFC 8292 allows 24 h at most; push services reject what is near it). */
const VAPID_TOKEN_S = 12 * 3600;
/** Push services' origins whose token is kept (a handful in practice; any endpoint's origin may come). */
const VAPID_ORIGINS_KEPT = 1000;

/** One push's outcome, the push service's status (0: none, a network failure) and its Retry-After (ms). */
export type PushResult = { outcome: PushOutcome; status: number; retryAfterMs?: number };

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export type PushSenderOptions = {
  vapid: { publicKey: string; privateKey: string; subject: string };
  /** PUSH_ALLOW_INSECURE_ENDPOINTS: http, loopback and private addresses allowed (development and tests). */
  allowInsecure: boolean;
  timeoutMs?: number;
};

/**
 * Sends Web Push messages (RFC 8030) with VAPID (RFC 8292) and an `aes128gcm` body (RFC 8291): `web-push` makes
 * the request (its JWT and encryption, no crypto of ours), and this sends it, so that the address it connects
 * to is checked when it connects: a name accepted at subscription time may since point into the server's own
 * network (DNS rebinding), and a connection there is refused.
 */
export function createPushSender(options: PushSenderOptions) {
  const { vapid, allowInsecure, timeoutMs = 10_000 } = options;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...(lookupOptions as object), all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const refused = !allowInsecure && list.some((entry) => !isPublicAddress(entry.address));
      if (refused) return callback(new NotPublic(hostname), '', 0);
      if ((lookupOptions as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
  const agents = {
    'https:': new HttpsAgent({ keepAlive: true, lookup }),
    'http:': new HttpAgent({ keepAlive: true, lookup }),
  };

  /**
   * The VAPID `Authorization` for a push service (RFC 8292: a JWT whose `aud` is the service's origin), made
   * with web-push's own getVapidHeaders and kept for half its 12 h life: signing anew for every push was a third
   * of a push worker's CPU (bench/README.md, "Push"). Any endpoint's origin may come here, so the cache is
   * bounded.
   */
  const vapidByOrigin = new Map<string, { authorization: string; renewAt: number }>();
  function vapidAuthorization(origin: string): string {
    const now = Date.now();
    const kept = vapidByOrigin.get(origin);
    if (kept && kept.renewAt > now) return kept.authorization;
    if (vapidByOrigin.size >= VAPID_ORIGINS_KEPT) vapidByOrigin.clear();
    const expiration = Math.floor(now / 1000) + VAPID_TOKEN_S;
    const headers = webpush.getVapidHeaders(
      origin,
      vapid.subject,
      vapid.publicKey,
      vapid.privateKey,
      'aes128gcm',
      expiration,
    ) as { Authorization: string };
    vapidByOrigin.set(origin, { authorization: headers.Authorization, renewAt: now + (VAPID_TOKEN_S * 1000) / 2 });
    return headers.Authorization;
  }

  return {
    /**
     * One push to one device. `topic` makes a newer push replace an undelivered older one (one notification per
     * chat); `ttl` is how long the push service keeps it for an offline device.
     */
    send(target: PushTarget, payload: string, push: { topic?: string; ttl: number; urgency?: 'normal' | 'high' }) {
      let url: URL;
      try {
        url = checkedEndpoint(target.endpoint, allowInsecure);
      } catch {
        return Promise.resolve<PushResult>({ outcome: 'refused', status: 0 });
      }
      const details = webpush.generateRequestDetails(target, payload, {
        // Signed once per push service, not per push (vapidAuthorization). No vapidDetails here, and web-push's
        // global ones are never set, so it does not sign again.
        headers: { Authorization: vapidAuthorization(url.origin) },
        TTL: push.ttl,
        urgency: push.urgency ?? 'normal',
        ...(push.topic ? { topic: push.topic } : {}),
        contentEncoding: 'aes128gcm',
      });
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<PushResult>((resolve) => {
        const req = request(
          url,
          {
            method: details.method,
            headers: details.headers as Record<string, string | number>,
            agent: agents[url.protocol as 'https:' | 'http:'],
            timeout: timeoutMs,
          },
          (res) => {
            res.resume();
            const status = res.statusCode ?? 0;
            const wait = retryAfterMs(res.headers['retry-after']);
            if (status >= 200 && status < 300) resolve({ outcome: 'sent', status });
            else if (status === 404 || status === 410) resolve({ outcome: 'gone', status });
            else if (status === 429 || status >= 500)
              resolve(
                wait === undefined ? { outcome: 'retry', status } : { outcome: 'retry', status, retryAfterMs: wait },
              );
            else resolve({ outcome: 'refused', status });
          },
        );
        // An address that is not public is refused (the subscription goes); a network failure is tried again.
        req.on('error', (err) => resolve({ outcome: err instanceof NotPublic ? 'refused' : 'retry', status: 0 }));
        req.on('timeout', () => req.destroy(new Error('push timed out')));
        req.end(details.body);
      });
    },

    close(): void {
      agents['https:'].destroy();
      agents['http:'].destroy();
    },
  };
}

export type PushSender = ReturnType<typeof createPushSender>;

class NotPublic extends Error {
  constructor(hostname: string) {
    super(`${hostname} resolves to an address that is not public`);
  }
}

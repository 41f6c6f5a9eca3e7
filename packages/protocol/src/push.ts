import { type Static, Type } from '@sinclair/typebox';
import { LIMITS } from './limits.js';

/**
 * Web Push (contract section 13): a browser's push subscription, as `PushSubscription.toJSON()` gives it, kept
 * per device in `push:subs:{user_id}`.
 */

/** base64url, no padding: what `PushSubscription.toJSON()` writes for its keys. */
const Base64Url = (minLength: number, maxLength: number, description: string) =>
  Type.String({ minLength, maxLength, pattern: '^[A-Za-z0-9_-]+$', description });

export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({
      minLength: 1,
      maxLength: LIMITS.pushEndpointMaxLength,
      description:
        'The push service’s URL for this device: `https` on a public address (`PUSH_ALLOW_INSECURE_ENDPOINTS=1`, for development and tests, also allows `http` and loopback or private addresses).',
    }),
    keys: Type.Object({
      // An uncompressed P-256 point (65 bytes) is 87 characters; the auth secret (16 bytes) 22.
      p256dh: Base64Url(80, 100, 'The device’s P-256 public key (65 bytes, base64url).'),
      auth: Base64Url(20, 30, 'The device’s auth secret (16 bytes, base64url).'),
    }),
  },
  { description: 'One device’s push subscription.' },
);
export type PushSubscriptionBody = Static<typeof PushSubscriptionBody>;

export const PushUnsubscribeBody = Type.Object({ endpoint: PushSubscriptionBody.properties.endpoint });

export const PushKeyAnswer = Type.Object({
  public_key: Type.String({
    description: 'The server’s VAPID public key (base64url): `applicationServerKey` for `pushManager.subscribe`.',
  }),
});

/**
 * What a push carries once decrypted (the service worker reads it). `message`: a new message for a user none of
 * whose connections is active (section 13); `read`: the user read the chat on another device, so the
 * notification of that chat goes (sent without one of its own: a "silent" push).
 */
export type PushPayload =
  | {
      type: 'message';
      chat_id: string;
      message_id: number;
      /** The chat's title as the user sees it: a DM's is the peer's name. */
      title: string;
      sender_name: string;
      /** A line of the message (`PUSH_PREVIEW=full`), or "New message" (`PUSH_PREVIEW=none`). */
      preview: string;
      /** Extensions: the chat's kind, its picture (`/api/media/<id>`, public while it is the picture), whether the user is mentioned, when it was sent. */
      kind: 'dm' | 'group' | 'public';
      icon?: string;
      mention?: boolean;
      sent_at: number;
    }
  | { type: 'read'; chat_id: string; message_id: number };

import { describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createPushSender } from '../packages/server/src/push/sender.js';
import { startPushReceiver } from './helpers/push-receiver.js';
import { onTeardown } from './helpers/teardown.js';

// Contract section 13: what a push service receives from Papo, checked as a browser's would be: the VAPID JWT
// (RFC 8292) and the aes128gcm body (RFC 8291) decrypted with the device's own key, by a receiver of the tests'
// own (test/helpers/push-receiver.ts, node:crypto).

const keys = webpush.generateVAPIDKeys();
const vapid = { ...keys, subject: 'mailto:ops@papo.example' };

function sender(allowInsecure = true) {
  const made = createPushSender({ vapid, allowInsecure, timeoutMs: 5000 });
  onTeardown(() => made.close());
  return made;
}

describe('the push sender', () => {
  it('delivers an encrypted payload with a VAPID JWT the receiver verifies, and the topic, TTL and urgency', async () => {
    const receiver = await startPushReceiver();
    const device = receiver.device();
    const payload = JSON.stringify({
      type: 'message',
      chat_id: 'c_1',
      message_id: 7,
      title: 'Família',
      preview: 'Oi! 👋',
    });
    const { outcome } = await sender().send(device.subscription, payload, { topic: 'c_1', ttl: 3600, urgency: 'high' });
    expect(outcome).toBe('sent');
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received).toHaveLength(1);
    const [push] = receiver.received;
    expect(push!.payload).toBe(payload);
    expect(push!.vapidPublicKey).toBe(keys.publicKey);
    expect(push!.claims).toMatchObject({ aud: new URL(device.subscription.endpoint).origin, sub: vapid.subject });
    expect(push).toMatchObject({ topic: 'c_1', ttl: '3600', urgency: 'high' });
  });

  it('tells a subscription gone (404, 410) from one worth a retry (429, 5xx, no answer)', async () => {
    const receiver = await startPushReceiver();
    const send = sender();
    const outcome = async (status: number) =>
      (await send.send(receiver.device(status).subscription, 'x', { ttl: 60 })).outcome;
    expect(await outcome(410)).toBe('gone');
    expect(await outcome(404)).toBe('gone');
    expect(await outcome(429)).toBe('retry');
    expect(await outcome(503)).toBe('retry');
    expect(await outcome(400)).toBe('refused');
    const nobody = await send.send(
      { endpoint: 'http://127.0.0.1:9/push/none', keys: receiver.device().subscription.keys },
      'x',
      { ttl: 60 },
    );
    expect(nobody.outcome).toBe('retry');
  });

  it('never connects to a loopback or private address unless PUSH_ALLOW_INSECURE_ENDPOINTS is on', async () => {
    const receiver = await startPushReceiver();
    const device = receiver.device();
    expect((await sender(false).send(device.subscription, 'x', { ttl: 60 })).outcome).toBe('refused');
    // A name that resolves to loopback is refused when the connection is made (as a rebound DNS name would be).
    const byName = {
      ...device.subscription,
      endpoint: device.subscription.endpoint.replace('127.0.0.1', 'localhost.'),
    };
    expect((await sender(false).send(byName, 'x', { ttl: 60 })).outcome).toBe('refused');
    expect(receiver.received).toHaveLength(0);
  });
});

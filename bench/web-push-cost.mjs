#!/usr/bin/env node
// What one push costs in `web-push` (3.x), the library Papo's sender uses, and its parts: the payload's
// encryption (RFC 8291, aes128gcm: a P-256 key pair and ECDH per push, HKDF, AES-128-GCM) and the VAPID
// header (RFC 8292: an ES256 JWT, which web-push signs anew for every push, from a PEM it makes from the raw key
// each time, which OpenSSL then parses). CPU µs per call, one thread; see bench/README.md, "Push".
//   node bench/web-push-cost.mjs [calls]
import { createECDH, createPrivateKey, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(resolve(fileURLToPath(new URL('..', import.meta.url)), 'packages/server/package.json'));
const webpush = require('web-push');
const vapidHelper = require('web-push/src/vapid-helper.js');
const encryption = require('web-push/src/encryption-helper.js');
const jws = require('jws');

const calls = Number(process.argv[2] ?? 2000);
const keys = webpush.generateVAPIDKeys();
const vapid = { subject: 'mailto:admin@localhost', publicKey: keys.publicKey, privateKey: keys.privateKey };
const device = createECDH('prime256v1');
device.generateKeys();
const sub = {
  endpoint: 'http://127.0.0.1:9/p/1',
  keys: { p256dh: device.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
};
// A DM's text push as Papo makes it (payload.ts), ≈ 230 bytes of JSON.
const payload = JSON.stringify({
  type: 'message',
  chat_id: 'c'.repeat(20),
  message_id: 123,
  title: 'pushbench_s1',
  sender_name: 'pushbench_s1',
  preview: 'x'.repeat(64),
  kind: 'dm',
  sent_at: Date.now(),
});
const audience = 'http://127.0.0.1:9';

function time(label, fn) {
  for (let i = 0; i < 200; i++) fn();
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const d = process.cpuUsage(t0);
  console.log(`${(((d.user + d.system) / calls) | 0).toString().padStart(6)} µs  ${label}`);
}

time('generateRequestDetails, as sender.ts calls it (all of it)', () =>
  webpush.generateRequestDetails(sub, payload, {
    vapidDetails: vapid,
    TTL: 86_400,
    urgency: 'high',
    topic: 't'.repeat(32),
    contentEncoding: 'aes128gcm',
  }),
);
time('  encryption (ECDH key pair + ECDH + HKDF + AES-128-GCM)', () =>
  encryption.encrypt(sub.keys.p256dh, sub.keys.auth, payload, 'aes128gcm'),
);
time('  getVapidHeaders (the JWT, signed anew)', () =>
  vapidHelper.getVapidHeaders(audience, vapid.subject, vapid.publicKey, vapid.privateKey, 'aes128gcm'),
);
const pem = createPrivateKey({
  key: { kty: 'EC', crv: 'P-256', d: vapid.privateKey, ...xy(vapid.publicKey) },
  format: 'jwk',
}).export({ type: 'sec1', format: 'pem' });
const claims = { aud: audience, exp: Math.floor(Date.now() / 1000) + 43_200, sub: vapid.subject };
time('    of which jws.sign from a PEM (parsed on each call)', () =>
  jws.sign({ header: { typ: 'JWT', alg: 'ES256' }, payload: claims, privateKey: pem }),
);
const keyObject = createPrivateKey(pem);
time('    jws.sign from a KeyObject made once', () =>
  jws.sign({ header: { typ: 'JWT', alg: 'ES256' }, payload: claims, privateKey: keyObject }),
);
const cache = new Map();
time('generateRequestDetails with the Authorization header made once per audience', () => {
  let auth = cache.get(audience);
  if (!auth) {
    auth = vapidHelper.getVapidHeaders(audience, vapid.subject, vapid.publicKey, vapid.privateKey, 'aes128gcm');
    cache.set(audience, auth);
  }
  return webpush.generateRequestDetails(sub, payload, {
    headers: { Authorization: auth.Authorization },
    TTL: 86_400,
    urgency: 'high',
    topic: 't'.repeat(32),
    contentEncoding: 'aes128gcm',
  });
});

/** x and y of an uncompressed P-256 public key (base64url), for a JWK. */
function xy(publicKey) {
  const raw = Buffer.from(publicKey, 'base64url');
  return { x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') };
}

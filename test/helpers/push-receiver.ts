import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID, verify } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTeardown } from './teardown.js';

/** What a browser's push service would have delivered: checked and decrypted. */
export type ReceivedPush = {
  device: string;
  /** The decrypted payload (RFC 8291, aes128gcm). */
  payload: string;
  /** The VAPID JWT's claims (checked: ES256 signature by the `k=` key, `aud`, `exp`). */
  claims: { aud: string; exp: number; sub: string };
  vapidPublicKey: string;
  ttl: string | undefined;
  topic: string | undefined;
  urgency: string | undefined;
  /** When it arrived (Unix ms). */
  at: number;
};

export type PushDevice = {
  id: string;
  /** As `PushSubscription.toJSON()` gives it. */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  /**
   * The status the receiver answers this device's pushes with (201; 410 for a subscription gone…); 0 holds
   * each push unanswered until `answerHeld` (a push service that is slow, while its sender dies).
   */
  status: number;
};

/**
 * A push service of the tests' own (the browser's cannot be reached here): an HTTP server that takes Web Push
 * requests for its devices, checks their VAPID JWT (RFC 8292) with the public key the request names, and
 * decrypts the body with the device's private key (RFC 8291) using node:crypto, so the bytes a browser would
 * get are checked for real. A request that fails a check is answered 400 and recorded in `rejected`.
 */
export async function startPushReceiver() {
  const devices = new Map<string, PushDevice & { ecdh: ReturnType<typeof createECDH>; auth: Buffer }>();
  const received: ReceivedPush[] = [];
  /** Pushes answered 2xx on a connection still open: what a push service took on. */
  const accepted: ReceivedPush[] = [];
  const rejected: { device: string; why: string }[] = [];
  const held: { push: ReceivedPush; answer: (status: number) => boolean; open: () => boolean }[] = [];

  const server = createServer(async (req, res) => {
    const id = /^\/push\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
    const device = devices.get(id);
    const body = await bodyOf(req);
    if (!device) return res.writeHead(404).end();
    try {
      const push = check(device, req, body);
      received.push(push);
      const answer = (status: number) => {
        if (res.socket === null || res.socket.destroyed) return false;
        res.writeHead(status).end();
        if (status >= 200 && status < 300) accepted.push(push);
        return true;
      };
      const open = () => res.socket !== null && !res.socket.destroyed;
      if (device.status === 0) held.push({ push, answer, open });
      else answer(device.status);
    } catch (err) {
      rejected.push({ device: id, why: (err as Error).message });
      res.writeHead(400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));

  return {
    received,
    accepted,
    rejected,
    held,
    /** Answers the held pushes whose sender is still connected; returns how many were answered. */
    answerHeld(status = 201): number {
      const answered = held.splice(0).filter((entry) => entry.answer(status));
      return answered.length;
    },
    /** Changes what a device's pushes are answered with from now on. */
    answerWith(deviceId: string, status: number): void {
      const device = devices.get(deviceId);
      if (device) device.status = status;
    },
    /** The decrypted payloads a device got, parsed. */
    payloads(deviceId: string, from: ReceivedPush[] = received): Record<string, unknown>[] {
      return from.filter((push) => push.device === deviceId).map((push) => JSON.parse(push.payload));
    },
    /** A new device: its own key pair and auth secret, and its endpoint on this receiver. */
    device(status = 201): PushDevice {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomUUID();
      const device = {
        id,
        status,
        ecdh,
        auth,
        subscription: {
          endpoint: `http://127.0.0.1:${port}/push/${id}`,
          keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
        },
      };
      devices.set(id, device);
      return device;
    },
  };
}

function bodyOf(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function check(
  device: PushDevice & { ecdh: ReturnType<typeof createECDH>; auth: Buffer },
  req: IncomingMessage,
  body: Buffer,
): ReceivedPush {
  // Authorization: vapid t=<JWT>, k=<the server's public key, base64url>
  const vapid = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
  if (!vapid) throw new Error('no VAPID Authorization header');
  const [, jwt, key] = vapid as unknown as [string, string, string];
  const [head, payload, signature] = jwt.split('.') as [string, string, string];
  if (JSON.parse(Buffer.from(head, 'base64url').toString()).alg !== 'ES256') throw new Error('not ES256');
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${payload}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) throw new Error('the VAPID signature does not verify');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as ReceivedPush['claims'];
  const origin = new URL(device.subscription.endpoint).origin;
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error('exp is not within the next 24 h');
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) throw new Error('sub is no mailto: or https: URL');
  if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');

  // RFC 8188 header: salt (16) | record size (4) | key id length (1) | key id (the server's ECDH public key).
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const serverKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  // RFC 8291: the input key from the ECDH secret and the auth secret, then the content key and nonce.
  const shared = device.ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), device.ecdh.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, device.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with its delimiter (2) and any padding (zeros).
  const end = plain.lastIndexOf(2);
  if (end < 0 || plain.subarray(end + 1).some((byte) => byte !== 0)) throw new Error('bad padding');
  return {
    device: device.id,
    payload: plain.subarray(0, end).toString(),
    claims,
    vapidPublicKey: key,
    ttl: req.headers.ttl as string | undefined,
    topic: req.headers.topic as string | undefined,
    urgency: req.headers.urgency as string | undefined,
    at: Date.now(),
  };
}

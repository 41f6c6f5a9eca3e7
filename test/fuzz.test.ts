import { ERROR_CODE_LIST } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, sendText } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { redisClient } from './helpers/redis.js';
import { startRedis } from './helpers/redis-process.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';
import { TestClient } from './helpers/ws-client.js';

/**
 * 10,000+ generated frames that must all be refused, over real connections: each gets exactly one contract
 * error, the server never crashes, and Redis holds exactly what it held before.
 */

/** mulberry32: a seeded PRNG, so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const FRAMES = 10_000;

let server: ServerProcess;
let redis: Redis;
let ana: Session;
let bia: Session;
let caio: Session;
let openChat: string;
let othersDm: string;

beforeAll(async () => {
  const own = await startRedis();
  onTeardown(() => own.stop());
  // No heartbeat during the run: the lease's renewal is the only write a quiet server makes. The anonymous
  // socket must outlive the run, which takes 5 s on an idle machine and 30 s or more on a busy one: with the
  // default AUTH_TIMEOUT_MS (10 s) the server rightly closed it (4001) midway.
  server = await startServer({
    redisUrl: own.url,
    env: { PRESENCE_HEARTBEAT_MS: '600000', AUTH_TIMEOUT_MS: '600000' },
  });
  redis = redisClient(own.url);
  [ana, bia, caio] = (await users(server, 3)) as [Session, Session, Session];
  openChat = await createPublicChat(bia.client, 'not ana’s');
  othersDm = (await createDm(bia.client, caio.userId)).chat_id;
  await sendText(bia.client, othersDm, 'private');
});

/**
 * Every key with its type and value (TTLs aside): what "nothing was written" is checked against. `expiresAt`
 * holds when each key with a TTL runs out (ms), so a key that expired during the run is told from one deleted.
 */
async function snapshot(): Promise<{ values: Map<string, string>; expiresAt: Map<string, number> }> {
  const values = new Map<string, string>();
  const expiresAt = new Map<string, number>();
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'set') value = (await redis.smembers(key)).sort();
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'zset') value = await redis.zrange(key, 0, -1);
    values.set(key, `${type} ${JSON.stringify(value)}`);
    const ttl = await redis.pttl(key);
    if (ttl >= 0) expiresAt.set(key, Date.now() + ttl);
  }
  return { values, expiresAt };
}

type Generated = { frame: string | Buffer; binary?: boolean; why: string };

function generator(random: () => number, chats: { open: string; othersDm: string; peer: string }) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const unicode = [
    '\u0000',
    '\ud800',
    '\udfff',
    '\u202e',
    '\ufeff',
    '👩‍👩‍👧‍👦',
    '￿',
    '\u2028',
    'é'.normalize('NFD'),
    '"\\',
  ];
  const protoKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
  const wrongValues: unknown[] = [
    null,
    true,
    0,
    -1,
    1e308,
    -1e308,
    1.5,
    2 ** 53 + 2,
    '',
    [],
    {},
    [1, 2],
    { __proto__: { x: 1 } },
    'x'.repeat(5000),
  ];
  const actions = [
    'auth',
    'create_dm',
    'create_public_chat',
    'join_chat',
    'leave_chat',
    'send_message',
    'read_receipt',
    'typing',
    'mute_chat',
    'sync',
  ];
  const requiredField: Record<string, string> = {
    auth: 'token',
    create_dm: 'peer_user_id',
    create_public_chat: 'title',
    join_chat: 'chat_id',
    leave_chat: 'chat_id',
    send_message: 'body',
    read_receipt: 'message_id',
    typing: 'is_typing',
    mute_chat: 'until',
    sync: 'after_id',
  };
  const valid: Record<string, () => Record<string, unknown>> = {
    auth: () => ({ token: 'not-a-token' }),
    create_dm: () => ({ peer_user_id: chats.peer }),
    create_public_chat: () => ({ title: 'x' }),
    join_chat: () => ({ chat_id: chats.open }),
    leave_chat: () => ({ chat_id: chats.open }),
    send_message: () => ({ chat_id: chats.open, body: 'hi', client_msg_id: `f${int(1e9)}` }),
    read_receipt: () => ({ chat_id: chats.open, message_id: 1 }),
    typing: () => ({ chat_id: chats.open, is_typing: true }),
    mute_chat: () => ({ chat_id: chats.open, until: 0 }),
    sync: () => ({ chat_id: chats.open, after_id: 0 }),
  };
  const nest = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  const kinds: Array<() => Generated> = [
    () => ({ frame: Buffer.from(Array.from({ length: 1 + int(200) }, () => int(256))), binary: true, why: 'binary' }),
    () => ({
      frame: Array.from({ length: 1 + int(100) }, () => String.fromCharCode(int(0xffff))).join(''),
      why: 'text noise',
    }),
    () => {
      const text = JSON.stringify({ action: pick(actions), data: valid[pick(actions)]!() });
      return { frame: text.slice(0, 1 + int(text.length - 1)), why: 'truncated JSON' };
    },
    () => ({
      frame: pick(['null', '[]', '42', '"auth"', 'true', '[{"action":"auth"}]', '{}{}', '']),
      why: 'not an object',
    }),
    () => ({ frame: nest(1 + int(20_000)), why: 'deep nesting' }),
    () => ({
      frame: `{"action":"send_message","data":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
      why: 'deep object',
    }),
    () => ({ frame: JSON.stringify({ action: `${pick(actions)}${pick(unicode)}`, data: {} }), why: 'unknown action' }),
    () => ({ frame: JSON.stringify({ action: pick(wrongValues), data: {} }), why: 'action of a wrong type' }),
    () => ({ frame: JSON.stringify({ action: pick(protoKeys), data: {} }), why: 'prototype key as action' }),
    () => ({
      frame: JSON.stringify({ action: pick(actions), data: pick([null, 1, 'x', [], true]) }),
      why: 'data not an object',
    }),
    () => {
      const action = pick(actions);
      const data = valid[action]!();
      delete data[requiredField[action]!];
      return { frame: JSON.stringify({ action, data }), why: `missing ${requiredField[action]}` };
    },
    () => {
      const action = pick(actions);
      const data = valid[action]!();
      const field = requiredField[action]!;
      let value = pick(wrongValues);
      // A value the field's schema would accept is no wrong value.
      if (field === 'title' && value === 'x'.repeat(5000)) value = 'x'.repeat(65);
      if (typeof value === 'string' && value.length > 0 && value.length <= 64 && field !== 'title') value = null;
      if (field === 'token' && typeof value === 'string') value = value.length ? value : 7;
      if (field === 'body' && typeof value === 'string') value = value.length ? 'x'.repeat(4097) : '';
      data[field] = value;
      return { frame: JSON.stringify({ action, data }), why: `wrong ${field}` };
    },
    () => ({
      frame: `{"action":"send_message","data":{"__proto__":{"chat_id":"${chats.open}","body":"x"}}}`,
      why: 'fields hidden in __proto__',
    }),
    () => ({
      frame: JSON.stringify({ action: 'typing', data: { chat_id: `c_${pick(unicode)}`, is_typing: true } }),
      why: 'chat id outside the id alphabet',
    }),
    () => ({
      frame: JSON.stringify({
        action: 'send_message',
        data: { chat_id: chats.open, body: 'x' },
        request_id: 'r'.repeat(129),
      }),
      why: 'request_id too long',
    }),
    () => ({
      frame: JSON.stringify({
        action: 'send_message',
        data: { chat_id: chats.othersDm, body: `into a DM of others ${pick(unicode)}` },
      }),
      why: 'DM of others',
    }),
    () => ({
      frame: JSON.stringify({
        action: pick(['send_message', 'typing', 'sync', 'read_receipt', 'mute_chat']),
        data: { ...valid.sync!(), body: 'x', is_typing: false, message_id: 1, until: 0 },
      }),
      why: 'not a member of the public chat',
    }),
    () => ({
      frame: JSON.stringify({ action: 'join_chat', data: { chat_id: chats.othersDm } }),
      why: 'join a DM',
    }),
    () => ({
      frame: JSON.stringify({ action: 'create_dm', data: { peer_user_id: `u_${int(1e9)}` } }),
      why: 'DM with an unknown user',
    }),
    () => ({
      frame: JSON.stringify({
        action: 'read_receipt',
        data: { chat_id: `c_nope${int(1e6)}`, message_id: 1 + int(1e9) },
      }),
      why: 'unknown chat',
    }),
    () => ({
      frame: JSON.stringify({ action: 'sync', data: { chat_id: chats.open, after_id: 0, limit: 201 + int(1e6) } }),
      why: 'sync limit too high',
    }),
  ];
  return () => pick(kinds)();
}

describe(`fuzz (seed ${SEED}; replay with FUZZ_SEED=${SEED})`, () => {
  it(`${FRAMES} refused frames: one contract error each, no crash, nothing written`, async () => {
    const before = await snapshot();
    const next = generator(prng(SEED), { open: openChat, othersDm, peer: `u_missing${SEED}` });
    const authenticated = ana.client;
    const anonymous = await TestClient.connect(server.wsUrl);
    const sent = new Map<TestClient, number>([
      [authenticated, 0],
      [anonymous, 0],
    ]);
    const whys = new Map<string, number>();
    for (let i = 0; i < FRAMES; i++) {
      const { frame, binary, why } = next();
      const client = i % 10 === 0 ? anonymous : authenticated;
      client.ws.send(frame, { binary: Boolean(binary) });
      sent.set(client, sent.get(client)! + 1);
      whys.set(why, (whys.get(why) ?? 0) + 1);
      // Bounded batches, so neither side's buffers grow without limit.
      if (i % 500 === 499) await Promise.all([...sent].map(([c, n]) => c.waitForCount('error', n, 30_000)));
    }
    for (const [client, count] of sent) await client.waitForCount('error', count, 30_000);

    for (const [client, count] of sent) {
      const frames = client.all();
      const errors = frames.filter((f) => f.type === 'error');
      expect(errors.length, `errors on one connection (seed ${SEED})`).toBe(count);
      const codes = new Set(errors.map((e) => e.error));
      for (const code of codes) expect(ERROR_CODE_LIST).toContain(code);
      // Nothing but errors: no frame was accepted (and no event of the chats leaked to the wrong user).
      expect(frames.filter((f) => f.type !== 'error' && f.type !== 'auth_ok' && f.type !== 'presence')).toEqual([]);
    }
    expect(anonymous.all().every((f) => f.type === 'error')).toBe(true);
    expect(whys.size).toBeGreaterThan(15);

    // Still serving, same workers, nothing written.
    expect((await api(server.url, '/healthz')).status).toBe(200);
    expect(server.output()).not.toMatch(/worker replaced/);
    const after = (await snapshot()).values;
    // A key whose TTL ran out meanwhile is gone by itself (the run takes 5 s on an idle machine, 30 s or more
    // on a busy one: longer than RATE_LIMIT_WINDOW_S, 10 s). Any other key must be there, unchanged.
    const expired = [...before.values.keys()].filter(
      (key) => !after.has(key) && (before.expiresAt.get(key) ?? Number.POSITIVE_INFINITY) <= Date.now(),
    );
    const kept = [...before.values].filter(([key]) => !expired.includes(key));
    expect([...after.keys()].sort()).toEqual(kept.map(([key]) => key).sort());
    for (const [key, value] of kept) expect(after.get(key), key).toBe(value);
  }, 120_000);

  it('prototype keys inside an accepted frame change nothing but the message itself', async () => {
    const raw = `{"action":"send_message","data":{"chat_id":"${await createPublicChat(ana.client)}","body":"proto","__proto__":{"admin":true},"constructor":{"prototype":{"polluted":1}}},"request_id":"p1"}`;
    ana.client.sendRaw(raw);
    const ack = await ana.client.next('ack', (a) => a.request_id === 'p1');
    const created = await ana.client.next(
      'message_created',
      (m) => m.message.id === ack.server_msg_id && m.chat_id === ack.chat_id,
    );
    expect(Object.keys(created.message).sort()).toEqual(['body', 'created_at', 'id', 'msg_type', 'sender_id']);
    // The server still validates as before: a frame relying on a polluted default is refused.
    const refused = await ana.client.request('send_message', { chat_id: ack.chat_id });
    expect(refused).toMatchObject({ type: 'error', error: 'invalid_payload' });
  });
});

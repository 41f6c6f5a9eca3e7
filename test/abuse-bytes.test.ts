import { LIMITS } from '@papo/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat, sendText } from './helpers/chat-actions.js';
import { api, login } from './helpers/http.js';
import { keys } from './helpers/redis.js';
import { type RedisProcess, startRedis } from './helpers/redis-process.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken, type Session, users } from './helpers/session.js';
import type { Frame } from './helpers/ws-client.js';
import { nextEvent, recordMessages, sdkClient, untilCount } from './sdk/sdk-helpers.js';

// Issue 16, findings 5 and 9: bytes, not only counts. 200 pipelined `sync` frames for big pages grew Redis's
// output buffers by 941 MiB; a body of 4,096 lone surrogates was stored as 24,668 bytes. Pages now stop at a
// byte cap and say `more`, each user has a read budget, and bodies are capped in stored bytes and must be
// well-formed. This file has a Redis of its own: its memory figures are this file's alone.

const BUDGET = 200;
/** A body of 4,096 characters of 3 bytes each: the most that well-formed text of the longest length takes. */
const BIG = '€'.repeat(LIMITS.bodyMaxLength);
const MESSAGES = 200;

let redisProcess: RedisProcess;
let redis: Redis;
let server: ServerProcess;
let owner: Session;
let chatId: string;

beforeAll(async () => {
  redisProcess = await startRedis();
  redis = new Redis(redisProcess.url, { maxRetriesPerRequest: 2 });
  server = await startServer({
    redisUrl: redisProcess.url,
    env: { READ_PAGES_PER_WINDOW: String(BUDGET), READ_WINDOW_S: '600', RATE_LIMIT_MESSAGES: '100000' },
  });
  owner = await connectAuthed(server);
  chatId = await createPublicChat(owner.client);
  for (let i = 0; i < MESSAGES; i++) owner.client.send('send_message', { chat_id: chatId, body: BIG });
  await owner.client.waitForCount('ack', MESSAGES, 30_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await redis?.quit();
  await redisProcess?.stop();
});

describe('history pages are capped in bytes', () => {
  it('sync stops a page at 256 KiB and says more; walking on gets every message once', async () => {
    const [reader] = await users(server, 1);
    await joinChat(reader!.client, chatId);
    const ids: number[] = [];
    let after = 0;
    for (let pages = 0; pages < 50; pages++) {
      const page = await reader!.client.request('sync', { chat_id: chatId, after_id: after, limit: 200 });
      expect(page.type).toBe('history');
      const messages = page.messages as Array<{ id: number; body: string }>;
      expect(messages.length).toBeGreaterThanOrEqual(1);
      const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)), 0);
      expect(bytes).toBeLessThanOrEqual(LIMITS.pageMaxBytes);
      ids.push(...messages.map((m) => m.id));
      after = messages.at(-1)!.id;
      if (!page.more) break;
      expect(messages.length).toBeLessThan(200);
    }
    expect(ids).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
  });

  it('GET …/messages: the newest that fit, oldest first, with more; walking back gets every message once', async () => {
    const ids: number[] = [];
    let before = 0;
    for (let pages = 0; pages < 50; pages++) {
      const query = before ? `?before=${before}&limit=100` : '?limit=100';
      const page = await api(server.url, `/api/chats/${chatId}/messages${query}`, { token: owner.token });
      expect(page.status).toBe(200);
      const messages = page.body.messages as Array<{ id: number }>;
      const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)), 0);
      expect(bytes).toBeLessThanOrEqual(LIMITS.pageMaxBytes);
      ids.unshift(...messages.map((m) => m.id));
      before = messages[0]!.id;
      if (!page.body.more) break;
      expect(messages.length).toBeLessThan(100);
    }
    expect(ids).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
  });

  it('200 pipelined syncs of big pages by a client that reads nothing: Redis’s client buffers stay bounded', async () => {
    const [attacker] = await users(server, 1);
    await joinChat(attacker!.client, chatId);
    const memory = async () => Number(/mem_clients_normal:(\d+)/.exec(await redis.info('memory'))?.[1]);
    const baseline = await memory();
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await memory());
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // The attack: nothing read from the socket, every sync from the start of the chat.
    (attacker!.client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < BUDGET; i++) attacker!.client.send('sync', { chat_id: chatId, after_id: 0, limit: 200 });
    // Until Redis has run them all (or the server dropped the socket that reads nothing).
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const calls = Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 200));
      const later = Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
      if (later === calls) break;
    }
    sampling = false;
    await sampler;
    const grown = (peak - baseline) / 2 ** 20;
    console.log(`Redis client output buffers grew by ${grown.toFixed(1)} MiB at most`);
    // A page is at most 256 KiB and one message (16 KiB): all 200 held at once would be 53 MiB, however slowly
    // the server reads them; the previous build's 200 pages of 2.4 MiB each grew them by 471 MiB here.
    expect(grown).toBeLessThan(64);
  });
});

describe(`the read budget (READ_PAGES_PER_WINDOW=${BUDGET})`, () => {
  it('pages past the budget are rate_limited with retry_after, over WebSocket and HTTP alike', async () => {
    const [reader] = await users(server, 1);
    const small = await createPublicChat(reader!.client);
    await sendText(reader!.client, small, 'hi');
    const count = BUDGET + 50;
    const replies: Frame[] = await Promise.all(
      Array.from({ length: count }, () => reader!.client.request('sync', { chat_id: small, after_id: 0 }, 20_000)),
    );
    const pages = replies.filter((r) => r.type === 'history');
    const refused = replies.filter((r) => r.type === 'error');
    expect(pages).toHaveLength(BUDGET);
    expect(refused).toHaveLength(count - BUDGET);
    for (const reply of refused) {
      expect(reply).toMatchObject({ error: 'rate_limited', action: 'sync', retry_after: expect.any(Number) });
      expect(reply.retry_after as number).toBeGreaterThan(0);
    }
    const http = await api(server.url, `/api/chats/${small}/messages`, { token: reader!.token });
    expect(http.status).toBe(429);
    expect(http.body).toMatchObject({ error: 'rate_limited', retry_after: expect.any(Number) });
    // Another user's budget is their own.
    expect((await api(server.url, `/api/chats/${chatId}/messages?limit=1`, { token: owner.token })).status).toBe(200);
  });

  it('the SDK waits retry_after and completes its gap fill, through pages cut short by the byte cap', async () => {
    const tight = await startServer({
      redisUrl: redisProcess.url,
      env: { READ_PAGES_PER_WINDOW: '2', READ_WINDOW_S: '2', RATE_LIMIT_MESSAGES: '100000' },
    });
    const sender = await connectAuthed(tight);
    const room = await createPublicChat(sender.client);
    const bia = sdkClient(tight.url);
    await bia.loginTemporary('Bia');
    const authed = nextEvent(bia, 'auth');
    bia.connect();
    await authed;
    await bia.joinChat(room);
    const seen = recordMessages(bia, room);
    bia.disconnect();
    // While Bia is away: 60 messages, three byte-capped pages.
    for (let i = 0; i < 60; i++) sender.client.send('send_message', { chat_id: room, body: BIG });
    await sender.client.waitForCount('ack', 60, 20_000);
    bia.connect();
    await untilCount(seen, 60, 20_000);
    expect(seen.map((m) => m.id)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });
});

describe('bodies, titles and names are measured in bytes and must be well-formed', () => {
  it('a body of lone surrogates, or one whose JSON passes 16 KiB, is invalid_payload and stores nothing', async () => {
    const before = await redis.llen(keys.messages(chatId));
    const lone = await owner.client.request('send_message', { chat_id: chatId, body: '\uD800'.repeat(4096) });
    expect(lone).toMatchObject({
      type: 'error',
      error: 'invalid_payload',
      message: expect.stringMatching(/surrogate/),
    });
    const tail = await owner.client.request('send_message', { chat_id: chatId, body: `ok \uDC00` });
    expect(tail).toMatchObject({ error: 'invalid_payload' });
    // Control characters are escaped as \u0001: 6 bytes each, 24 KiB for 4,096 of them.
    const escaped = await owner.client.request('send_message', { chat_id: chatId, body: '\u0001'.repeat(4096) });
    expect(escaped).toMatchObject({ type: 'error', error: 'invalid_payload', message: expect.stringMatching(/bytes/) });
    expect(await redis.llen(keys.messages(chatId))).toBe(before);

    // Any well-formed text of 4,096 characters fits: 3-byte characters, emoji (surrogate pairs), a few escapes.
    await sendText(owner.client, chatId, BIG);
    await sendText(owner.client, chatId, '😀'.repeat(2048));
    await sendText(owner.client, chatId, `${'"'.repeat(100)}${'€'.repeat(3996)}`);
  });

  it('titles and usernames with a lone surrogate are refused', async () => {
    const title = await owner.client.request('create_public_chat', { title: 'Festa \uD83C' });
    expect(title).toMatchObject({ type: 'error', error: 'invalid_payload' });
    expect((await owner.client.request('create_public_chat', { title: 'Festa 🎉' })).type).toBe('chat_created');
    const named = await api(server.url, '/api/login', { body: { username: 'Ana\uDE00' } });
    expect(named.status).toBe(400);
    expect(named.body).toMatchObject({ error: 'invalid_payload' });
    const session = await login(server.url, 'Ana 🎉');
    const client = await connectWithToken(server, session.token);
    const renamed = await client.request('auth', { token: session.token, username: '\uDBFFAna' });
    expect(renamed).toMatchObject({ type: 'error', error: 'invalid_payload' });
    expect(await redis.hget(keys.user(session.user_id), 'username')).toBe('Ana 🎉');
  });
});

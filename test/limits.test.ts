import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, groupChat, sendText, sync } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { keys, redisClient, storedMessages } from './helpers/redis.js';
import { startRedis } from './helpers/redis-process.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, users } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';
import { waitFor } from './helpers/wait.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({
    env: { RATE_LIMIT_MESSAGES: '5', RATE_LIMIT_WINDOW_S: '2', MESSAGES_KEEP: '10' },
  });
  redis = redisClient();
});

describe('message rate limit (RATE_LIMIT_MESSAGES=5, RATE_LIMIT_WINDOW_S=2)', () => {
  it('the 6th send in the window gets rate_limited with retry_after and is not stored', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    for (let i = 1; i <= 5; i++) expect((await sendText(ana!.client, chatId, `ok${i}`)).server_msg_id).toBe(i);

    const refused = await ana!.client.request('send_message', {
      chat_id: chatId,
      body: 'too many',
      client_msg_id: 'x6',
    });
    expect(refused).toMatchObject({ type: 'error', error: 'rate_limited', message: expect.any(String) });
    expect(Number.isInteger(refused.retry_after)).toBe(true);
    expect(refused.retry_after).toBeGreaterThanOrEqual(0);
    expect(refused.retry_after).toBeLessThanOrEqual(2);
    if (refused.client_msg_id !== undefined) expect(refused.client_msg_id).toBe('x6');
    expect(await redis.llen(keys.messages(chatId))).toBe(5);
    expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(5);

    // The limit is per user: bia is not limited by ana's sends.
    expect((await sendText(bia!.client, chatId, 'bia')).server_msg_id).toBe(6);

    // Once the window is over, ana may send again, and the refused one left no gap.
    await waitFor(
      () => redis.exists(keys.rateMsg(ana!.userId)),
      (n) => n === 0,
      {
        timeoutMs: 5000,
        intervalMs: 100,
        what: `${keys.rateMsg(ana!.userId)} to expire`,
      },
    );
    expect((await sendText(ana!.client, chatId, 'again', 'x6')).server_msg_id).toBe(7);
    expect((await storedMessages(redis, chatId)).map((m) => m.body)).not.toContain('too many');
  });
});

describe('login rate limit per IP (LOGIN_RATE_LIMIT_PER_IP=3, own Redis so other files do not count)', () => {
  it('the 4th login from one IP in the window is 429 rate_limited', async () => {
    const ownRedis = await startRedis();
    onTeardown(() => ownRedis.stop());
    const strict = await startServer({ redisUrl: ownRedis.url, env: { LOGIN_RATE_LIMIT_PER_IP: '3' } });
    for (let i = 0; i < 3; i++)
      expect((await api(strict.url, '/api/login', { body: { username: 'x' } })).status).toBe(200);
    const refused = await api(strict.url, '/api/login', { body: { username: 'x' } });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited', message: expect.any(String) });
    await strict.stop();
  });
});

describe('frame size limit (MAX_FRAME_BYTES=2048)', () => {
  it('a frame over the configured size closes with 1009; one under it is served', async () => {
    const small = await startServer({ env: { MAX_FRAME_BYTES: '2048' } });
    const ana = await connectAuthed(small);
    const chatId = await createPublicChat(ana.client);
    await sendText(ana.client, chatId, 'y'.repeat(1500));
    ana.client.sendRaw(JSON.stringify({ action: 'send_message', data: { chat_id: chatId, body: 'y'.repeat(3000) } }));
    expect((await ana.client.closed).code).toBe(1009);
    expect(await redis.llen(keys.messages(chatId))).toBe(1);
    await small.stop();
  });
});

describe('trimmed history (MESSAGES_KEEP=10)', () => {
  it('keeps the newest messages; sync tells first_available_id when the gap is older than kept', async () => {
    const senders = await users(server, 3);
    const chatId = await groupChat(senders[0]!.client, [senders[1]!.client, senders[2]!.client]);
    // 12 messages from 3 users, 4 each, under the 5-per-window limit.
    for (let i = 0; i < 12; i++) await sendText(senders[i % 3]!.client, chatId, `t${i + 1}`);

    const stored = await storedMessages(redis, chatId);
    expect(stored.map((m) => m.id)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(12);

    const fromStart = await sync(senders[1]!.client, chatId, 0);
    expect(fromStart.messages.map((m) => m.id)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(fromStart.first_available_id).toBe(3);

    const inside = await sync(senders[1]!.client, chatId, 5);
    expect(inside.messages.map((m) => m.id)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    expect(inside.first_available_id).toBeUndefined();

    const page = await api(server.url, `/api/chats/${chatId}/messages`, { token: senders[2]!.token });
    expect(page.body.messages.map((m: { id: number }) => m.id)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});

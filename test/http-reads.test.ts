import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, groupChat, joinChat, sendText } from './helpers/chat-actions.js';
import { api, login } from './helpers/http.js';
import { redisClient, storedMessages } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { users } from './helpers/session.js';
import { nowSeconds, waitFor } from './helpers/wait.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer();
  redis = redisClient();
});

describe('GET /api/chats/:chat_id/messages', () => {
  it('pages with before and limit: oldest first, default 20, max 100', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    for (let i = 1; i <= 25; i++) await sendText(i % 2 ? ana!.client : bia!.client, chatId, `n${i}`);
    const stored = await storedMessages(redis, chatId);
    const get = (query: string) => api(server.url, `/api/chats/${chatId}/messages${query}`, { token: bia!.token });
    const ids = (reply: { body: { messages: Array<{ id: number }> } }) => reply.body.messages.map((m) => m.id);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

    const newest = await get('');
    expect(newest.status).toBe(200);
    expect(ids(newest)).toEqual(range(6, 25));
    expect(newest.body.messages).toEqual(stored.slice(5));

    expect(ids(await get('?before=6'))).toEqual(range(1, 5));
    expect(ids(await get('?before=10&limit=3'))).toEqual([7, 8, 9]);
    expect(ids(await get('?limit=100'))).toEqual(range(1, 25));
    expect(ids(await get('?before=1'))).toEqual([]);

    for (const bad of ['?limit=101', '?limit=0', '?limit=abc', '?before=0']) {
      const reply = await get(bad);
      expect(reply.status, bad).toBe(400);
      expect(reply.body).toMatchObject({ error: 'invalid_payload', message: expect.any(String) });
    }
  });
});

describe('GET /api/chats', () => {
  it('lists kind, title, peer, last message, unread count from reads and muted_until', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    for (let i = 1; i <= 3; i++) await sendText(bia!.client, dm, `dm${i}`);
    ana!.client.send('read_receipt', { chat_id: dm, message_id: 2 });
    await bia!.client.next('read_receipt', (e) => e.chat_id === dm);

    const empty = await createPublicChat(ana!.client, 'quiet');
    const busy = await createPublicChat(ana!.client, 'busy');
    await joinChat(bia!.client, busy);
    const last = await sendText(bia!.client, busy, 'latest');
    const until = nowSeconds() + 600;
    await ana!.client.request('mute_chat', { chat_id: busy, until });

    const reply = await api(server.url, '/api/chats', { token: ana!.token });
    expect(reply.status).toBe(200);
    const chats = reply.body.chats as Array<Record<string, unknown>>;
    const byId = new Map(chats.map((c) => [c.chat_id, c]));
    expect(chats).toHaveLength(3);
    expect(byId.get(dm)).toEqual({
      chat_id: dm,
      kind: 'dm',
      title: bia!.username,
      peer_user_id: bia!.userId,
      last_message: expect.objectContaining({ id: 3, body: 'dm3', sender_id: bia!.userId, msg_type: 'text' }),
      unread_count: 1,
      muted_until: 0,
      // Bia's own messages count as read by her (extension: own messages up to it show ✓✓).
      others_read_id: 3,
      // No message of it was ever changed (contract section 11).
      change_id: 0,
    });
    expect(byId.get(busy)).toEqual({
      chat_id: busy,
      kind: 'public',
      title: 'busy',
      last_message: expect.objectContaining({ id: last.server_msg_id, body: 'latest' }),
      member_count: 2,
      unread_count: 1,
      muted_until: until,
      others_read_id: last.server_msg_id,
      change_id: 0,
    });
    expect(byId.get(empty)).toMatchObject({
      chat_id: empty,
      kind: 'public',
      title: 'quiet',
      unread_count: 0,
      others_read_id: 0,
    });
    expect(byId.get(empty)).not.toHaveProperty('last_message');

    // A newcomer starts with the history read: joining does not make old messages unread.
    const [caio] = await users(server, 1);
    await joinChat(caio!.client, busy);
    const his = await api(server.url, '/api/chats', { token: caio!.token });
    expect(his.body.chats).toEqual([expect.objectContaining({ chat_id: busy, unread_count: 0, member_count: 3 })]);
  });
});

describe('GET /api/chats/public', () => {
  it('lists every public chat with its member count, and no DM', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client, 'roda');
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    const once = await api(server.url, '/api/chats/public', { token: bia!.token });
    expect(once.body.chats).toContainEqual({ chat_id: chatId, title: 'roda', member_count: 1 });
    await joinChat(bia!.client, chatId);
    const twice = await api(server.url, '/api/chats/public', { token: bia!.token });
    expect(twice.body.chats).toContainEqual({ chat_id: chatId, title: 'roda', member_count: 2 });
    expect(twice.body.chats.map((c: { chat_id: string }) => c.chat_id)).not.toContain(dm);
  });
});

describe('GET /api/users', () => {
  it('/online lists the users online now; one who closes leaves the list', async () => {
    const [ana, bia] = await users(server, 2);
    const online = await api(server.url, '/api/users/online', { token: bia!.token });
    expect(online.status).toBe(200);
    expect(online.body.users).toContainEqual({ user_id: ana!.userId, username: ana!.username, avatar_url: '' });
    await ana!.client.close();
    await waitFor(
      () => api(server.url, '/api/users/online', { token: bia!.token }),
      (r) => !r.body.users.some((u: { user_id: string }) => u.user_id === ana!.userId),
      { what: 'ana to leave /api/users/online' },
    );
  });

  it('/:user_id gives profile, online and last_seen; unknown is 404; never online is last_seen null', async () => {
    const [ana, bia] = await users(server, 2);
    const whileOnline = await api(server.url, `/api/users/${ana!.userId}`, { token: bia!.token });
    expect(whileOnline).toEqual({
      status: 200,
      body: {
        user_id: ana!.userId,
        username: ana!.username,
        avatar_url: '',
        online: true,
        last_seen: expect.any(Number),
      },
    });
    const before = nowSeconds();
    await ana!.client.close();
    const after = await waitFor(
      () => api(server.url, `/api/users/${ana!.userId}`, { token: bia!.token }),
      (r) => r.body.online === false,
      { what: 'ana to be offline' },
    );
    expect(after.body.last_seen).toBeGreaterThanOrEqual(before - 1);

    const unknown = await api(server.url, '/api/users/u_nobody_here', { token: bia!.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'not_found', message: expect.any(String) });

    const never = await login(server.url, 'ghost');
    expect(await api(server.url, `/api/users/${never.user_id}`, { token: bia!.token })).toEqual({
      status: 200,
      body: { user_id: never.user_id, username: 'ghost', avatar_url: '', online: false, last_seen: null },
    });
  });
});

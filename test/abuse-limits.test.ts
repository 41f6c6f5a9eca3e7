import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat } from './helpers/chat-actions.js';
import { login } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken, users } from './helpers/session.js';
import { TestClient } from './helpers/ws-client.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({
    env: {
      MAX_CONNECTIONS_PER_USER: '2',
      CHATS_PER_HOUR: '3',
      MAX_PUBLIC_CHAT_MEMBERS: '2',
      ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:5173/',
    },
  });
  redis = redisClient();
});

describe('connections per user (MAX_CONNECTIONS_PER_USER=2)', () => {
  it('the third connection gets rate_limited and is closed with 1008; closing one makes room', async () => {
    const session = await login(server.url);
    const first = await connectWithToken(server, session.token);
    await connectWithToken(server, session.token);
    const third = await TestClient.connect(server.wsUrl);
    third.send('auth', { token: session.token });
    expect(await third.next('error')).toMatchObject({ error: 'rate_limited', action: 'auth' });
    expect((await third.closed).code).toBe(1008);
    expect(await redis.hlen(`presence:conns:{${session.user_id}}`)).toBe(2);

    await first.close();
    const again = await connectWithToken(server, session.token);
    expect(again.all('auth_ok')).toHaveLength(1);
  });
});

describe('connections per IP (MAX_CONNECTIONS_PER_IP=12, per worker)', () => {
  it('past the limit the upgrade is refused with 429, authenticated or not', async () => {
    // A server of its own: every connection from this address counts (HTTP ones too), the other tests' as well.
    const capped = await startServer({ env: { MAX_CONNECTIONS_PER_IP: '12' } });
    const open: TestClient[] = [];
    let refused: Error | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      try {
        open.push(await TestClient.connect(capped.wsUrl));
      } catch (err) {
        refused = err as Error;
      }
    }
    expect(refused?.message).toMatch(/429/);
    for (const client of open) await client.close();
    expect(open).toHaveLength(12);
    // Room again once they are closed.
    const next = await TestClient.connect(capped.wsUrl);
    await next.close();
    await capped.stop();
  });
});

describe('chats a user may create per hour (CHATS_PER_HOUR=3)', () => {
  it('public chats and new DMs count; the excess is rate_limited and creates nothing', async () => {
    const [ana, bia, caio] = await users(server, 3);
    await createPublicChat(ana!.client, 'one');
    await createPublicChat(ana!.client, 'two');
    const dm = await ana!.client.request('create_dm', { peer_user_id: bia!.userId });
    expect(dm.type).toBe('dm_ready');
    // Opening an existing DM again creates nothing and does not count.
    expect((await ana!.client.request('create_dm', { peer_user_id: bia!.userId })).chat_id).toBe(dm.chat_id);

    const before = await redis.scard(keys.userChats(ana!.userId));
    const refused = await ana!.client.request('create_public_chat', { title: 'three' });
    expect(refused).toMatchObject({ type: 'error', error: 'rate_limited', retry_after: expect.any(Number) });
    const refusedDm = await ana!.client.request('create_dm', { peer_user_id: caio!.userId });
    expect(refusedDm).toMatchObject({ type: 'error', error: 'rate_limited' });
    expect(await redis.scard(keys.userChats(ana!.userId))).toBe(before);
    expect(await redis.exists(keys.dm(ana!.userId, caio!.userId))).toBe(0);
    // Caio can still open the DM with Ana himself.
    expect((await caio!.client.request('create_dm', { peer_user_id: ana!.userId })).type).toBe('dm_ready');
  });
});

describe('members per public chat (MAX_PUBLIC_CHAT_MEMBERS=2)', () => {
  it('a full chat refuses a new member with forbidden; members may still re-join', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const chatId = await createPublicChat(ana!.client);
    await joinChat(bia!.client, chatId);
    const refused = await caio!.client.request('join_chat', { chat_id: chatId });
    expect(refused).toMatchObject({ type: 'error', error: 'forbidden', message: expect.stringMatching(/full/) });
    expect(await redis.sismember(keys.members(chatId), caio!.userId)).toBe(0);
    expect((await bia!.client.request('join_chat', { chat_id: chatId })).type).toBe('joined');
  });
});

describe('WebSocket Origin allow-list (ALLOWED_ORIGINS)', () => {
  it('a listed origin is let in, another refused with 403; clients without Origin are let in', async () => {
    const listed = await TestClient.connect(server.wsUrl, { headers: { origin: 'http://localhost:5173' } });
    await listed.close();
    await expect(TestClient.connect(server.wsUrl, { headers: { origin: 'https://evil.example.net' } })).rejects.toThrow(
      /403/,
    );
    const tool = await connectAuthed(server);
    expect(tool.client.all('auth_ok')).toHaveLength(1);
  });
});

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, expectError, joinChat, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, secondConnection, users } from './helpers/session.js';
import { nowSeconds } from './helpers/wait.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer();
  redis = redisClient();
});

describe('create_public_chat', () => {
  it('answers chat_created; the creator is a member; chats:public and the chat hash hold it', async () => {
    const ana = await connectAuthed(server);
    const title = uniq('Praça ');
    const before = nowSeconds();
    const reply = await ana.client.request('create_public_chat', { title });
    expect(reply).toMatchObject({ type: 'chat_created', chat_id: expect.any(String), title });
    const chatId = reply.chat_id as string;

    expect(await redis.sismember(keys.publicChats, chatId)).toBe(1);
    const hash = await redis.hgetall(keys.chat(chatId));
    expect(hash).toMatchObject({ kind: 'public', title, created_by: ana.userId });
    expect(Number(hash.created_at)).toBeGreaterThanOrEqual(before - 1);
    expect(Number(hash.created_at)).toBeLessThanOrEqual(nowSeconds() + 1);
    expect(Number(hash.last_id ?? 0)).toBe(0);
    expect(await redis.smembers(keys.members(chatId))).toEqual([ana.userId]);
    expect(await redis.sismember(keys.userChats(ana.userId), chatId)).toBe(1);

    const listed = await api(server.url, '/api/chats/public', { token: ana.token });
    expect(listed.body.chats).toContainEqual({ chat_id: chatId, title, member_count: 1 });
  });
});

describe('join_chat', () => {
  it('joined to the joiner; chat_member_added to every open connection of the members; events follow', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const ana2 = await secondConnection(server, ana!);
    const chatId = await createPublicChat(ana!.client);

    const joined = await bia!.client.request('join_chat', { chat_id: chatId });
    expect(joined).toMatchObject({ type: 'joined', chat_id: chatId });
    for (const client of [ana!.client, ana2]) {
      expect(await client.next('chat_member_added', (e) => e.user_id === bia!.userId)).toEqual({
        type: 'chat_member_added',
        chat_id: chatId,
        user_id: bia!.userId,
      });
    }

    await joinChat(caio!.client, chatId);
    for (const client of [ana!.client, ana2, bia!.client]) {
      await client.next('chat_member_added', (e) => e.chat_id === chatId && e.user_id === caio!.userId);
    }
    expect((await redis.smembers(keys.members(chatId))).sort()).toEqual(
      [ana!.userId, bia!.userId, caio!.userId].sort(),
    );
    expect(await redis.sismember(keys.userChats(caio!.userId), chatId)).toBe(1);

    const ack = await sendText(ana!.client, chatId, 'welcome');
    const got = await caio!.client.next('message_created', (e) => e.chat_id === chatId);
    expect(got.message).toMatchObject({ id: ack.server_msg_id, body: 'welcome', sender_id: ana!.userId });
  });

  it('joining twice is harmless: a second joined, no second chat_member_added', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    await joinChat(bia!.client, chatId);
    await joinChat(bia!.client, chatId);
    // Barrier: a message bia sends after the second join reaches ana after anything the join published.
    const ack = await sendText(bia!.client, chatId, 'after second join');
    await ana!.client.next('message_created', (e) => e.chat_id === chatId && e.message.id === ack.server_msg_id);
    expect(ana!.client.all('chat_member_added').filter((e) => e.chat_id === chatId)).toHaveLength(1);
    expect(await redis.scard(keys.members(chatId))).toBe(2);
  });

  it('join_chat on a DM (even one’s own) or an unknown id is not_found', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    await expectError(caio!.client, 'join_chat', { chat_id: dm }, 'not_found');
    await expectError(ana!.client, 'join_chat', { chat_id: dm }, 'not_found');
    await expectError(caio!.client, 'join_chat', { chat_id: 'c_does_not_exist' }, 'not_found');
    expect(await redis.sismember(keys.members(dm), caio!.userId)).toBe(0);
  });
});

describe('leave_chat', () => {
  it('left to the leaver, chat_member_removed to the members; then the leaver is forbidden', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    await joinChat(bia!.client, chatId);
    await sendText(ana!.client, chatId);

    expect(await bia!.client.request('leave_chat', { chat_id: chatId })).toMatchObject({
      type: 'left',
      chat_id: chatId,
    });
    expect(await ana!.client.next('chat_member_removed')).toEqual({
      type: 'chat_member_removed',
      chat_id: chatId,
      user_id: bia!.userId,
      by: bia!.userId,
    });
    expect(await redis.sismember(keys.members(chatId), bia!.userId)).toBe(0);
    expect(await redis.sismember(keys.userChats(bia!.userId), chatId)).toBe(0);

    await expectError(bia!.client, 'send_message', { chat_id: chatId, body: 'still here?' }, 'forbidden');
    await expectError(bia!.client, 'sync', { chat_id: chatId, after_id: 0 }, 'forbidden');
    const again = await secondConnection(server, bia!);
    expect(again.all('auth_ok')[0]?.chats).not.toContain(chatId);

    // Leaving is not the end: joining again works.
    await joinChat(bia!.client, chatId);
  });

  it('leave_chat on a DM one is not in, or on an unknown chat, is not_found', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    await expectError(caio!.client, 'leave_chat', { chat_id: dm }, 'not_found');
    await expectError(caio!.client, 'leave_chat', { chat_id: 'c_does_not_exist' }, 'not_found');
  });
});

describe('create_dm', () => {
  it('dm_ready to the caller and to the peer’s open connections, each naming their own peer', async () => {
    const [ana, bia] = await users(server, 2);
    const bia2 = await secondConnection(server, bia!);

    const ready = await ana!.client.request('create_dm', { peer_user_id: bia!.userId });
    expect(ready).toMatchObject({ type: 'dm_ready', chat_id: expect.any(String), peer_user_id: bia!.userId });
    const chatId = ready.chat_id as string;
    for (const client of [bia!.client, bia2]) {
      expect(await client.next('dm_ready')).toMatchObject({ chat_id: chatId, peer_user_id: ana!.userId });
    }

    expect(await redis.get(keys.dm(ana!.userId, bia!.userId))).toBe(chatId);
    expect(await redis.hget(keys.chat(chatId), 'kind')).toBe('dm');
    expect((await redis.smembers(keys.members(chatId))).sort()).toEqual([ana!.userId, bia!.userId].sort());
    expect(await redis.sismember(keys.userChats(ana!.userId), chatId)).toBe(1);
    expect(await redis.sismember(keys.userChats(bia!.userId), chatId)).toBe(1);
    expect(await redis.sismember(keys.publicChats, chatId)).toBe(0);

    // The peer's connections, opened before the DM existed, get its messages without reconnecting.
    const ack = await sendText(ana!.client, chatId, 'oi');
    for (const client of [bia!.client, bia2]) {
      const got = await client.next('message_created', (e) => e.chat_id === chatId);
      expect(got.message).toMatchObject({ id: ack.server_msg_id, body: 'oi', sender_id: ana!.userId });
    }
    const reply = await sendText(bia!.client, chatId, 'olá');
    expect(reply.server_msg_id).toBe(ack.server_msg_id + 1);
    await ana!.client.next('message_created', (e) => e.chat_id === chatId && e.message.body === 'olá');
  });

  it('create_dm again, from either side, returns the same chat', async () => {
    const [ana, bia] = await users(server, 2);
    const first = await createDm(ana!.client, bia!.userId);
    expect((await createDm(ana!.client, bia!.userId)).chat_id).toBe(first.chat_id);
    const fromPeer = await createDm(bia!.client, ana!.userId);
    expect(fromPeer).toMatchObject({ chat_id: first.chat_id, peer_user_id: ana!.userId });
    expect(await redis.scard(keys.userChats(ana!.userId))).toBe(1);
  });

  it('a DM with oneself is invalid_payload; with an unknown user, not_found', async () => {
    const ana = await connectAuthed(server);
    await expectError(ana.client, 'create_dm', { peer_user_id: ana.userId }, 'invalid_payload');
    await expectError(ana.client, 'create_dm', { peer_user_id: 'u_nobody_at_all' }, 'not_found');
    expect(await redis.scard(keys.userChats(ana.userId))).toBe(0);
  });

  it('both sides creating their DM at the same moment get one chat (many fresh pairs at once)', async () => {
    const pairs = await Promise.all(Array.from({ length: 8 }, () => users(server, 2)));
    await Promise.all(
      pairs.map(async ([a, b]) => {
        const [fromA, fromB] = await Promise.all([
          a!.client.request('create_dm', { peer_user_id: b!.userId }),
          b!.client.request('create_dm', { peer_user_id: a!.userId }),
        ]);
        expect(fromA).toMatchObject({ type: 'dm_ready', peer_user_id: b!.userId });
        expect(fromB).toMatchObject({ type: 'dm_ready', chat_id: fromA.chat_id, peer_user_id: a!.userId });
        expect(await redis.get(keys.dm(a!.userId, b!.userId))).toBe(fromA.chat_id);
        expect(await redis.smembers(keys.userChats(a!.userId))).toEqual([fromA.chat_id]);
        expect(await redis.smembers(keys.userChats(b!.userId))).toEqual([fromA.chat_id]);
        expect(await redis.scard(keys.members(fromA.chat_id as string))).toBe(2);
        // Every dm_ready either side saw (reply or peer notice) names the one chat.
        for (const frame of [...a!.client.all('dm_ready'), ...b!.client.all('dm_ready')]) {
          expect(frame.chat_id).toBe(fromA.chat_id);
        }
      }),
    );
  });
});

describe('who may act on a chat', () => {
  it('a third user is told not_found for everything on a DM of others (HTTP: 404)', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    await sendText(ana!.client, dm);
    const c = caio!.client;
    await expectError(c, 'send_message', { chat_id: dm, body: 'let me in' }, 'not_found');
    await expectError(c, 'sync', { chat_id: dm, after_id: 0 }, 'not_found');
    await expectError(c, 'join_chat', { chat_id: dm }, 'not_found');
    await expectError(c, 'read_receipt', { chat_id: dm, message_id: 1 }, 'not_found');
    await expectError(c, 'typing', { chat_id: dm, is_typing: true }, 'not_found');
    await expectError(c, 'mute_chat', { chat_id: dm, until: 0 }, 'not_found');
    const http = await api(server.url, `/api/chats/${dm}/messages`, { token: caio!.token });
    expect(http.status).toBe(404);
    expect(http.body).toMatchObject({ error: 'not_found', message: expect.any(String) });
    expect(await redis.llen(keys.messages(dm))).toBe(1);
  });

  it('a non-member of a public chat is forbidden (HTTP: 403)', async () => {
    const [ana, caio] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    await sendText(ana!.client, chatId);
    const c = caio!.client;
    await expectError(c, 'send_message', { chat_id: chatId, body: 'hello?' }, 'forbidden');
    await expectError(c, 'sync', { chat_id: chatId, after_id: 0 }, 'forbidden');
    await expectError(c, 'read_receipt', { chat_id: chatId, message_id: 1 }, 'forbidden');
    await expectError(c, 'typing', { chat_id: chatId, is_typing: true }, 'forbidden');
    await expectError(c, 'mute_chat', { chat_id: chatId, until: 0 }, 'forbidden');
    const http = await api(server.url, `/api/chats/${chatId}/messages`, { token: caio!.token });
    expect(http.status).toBe(403);
    expect(http.body).toMatchObject({ error: 'forbidden', message: expect.any(String) });
    expect(await redis.llen(keys.messages(chatId))).toBe(1);
    expect(await redis.hexists(keys.reads(chatId), caio!.userId)).toBe(0);
  });

  it('an unknown chat is not_found for every chat action (HTTP: 404)', async () => {
    const ana = await connectAuthed(server);
    const chat_id = `c_${uniq('missing')}`;
    await expectError(ana.client, 'send_message', { chat_id, body: 'anyone?' }, 'not_found');
    await expectError(ana.client, 'sync', { chat_id, after_id: 0 }, 'not_found');
    await expectError(ana.client, 'read_receipt', { chat_id, message_id: 1 }, 'not_found');
    await expectError(ana.client, 'typing', { chat_id, is_typing: true }, 'not_found');
    await expectError(ana.client, 'mute_chat', { chat_id, until: 0 }, 'not_found');
    await expectError(ana.client, 'join_chat', { chat_id }, 'not_found');
    await expectError(ana.client, 'leave_chat', { chat_id }, 'not_found');
    expect((await api(server.url, `/api/chats/${chat_id}/messages`, { token: ana.token })).status).toBe(404);
  });
});

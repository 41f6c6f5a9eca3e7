import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, expectError, groupChat, sendText, sync } from './helpers/chat-actions.js';
import { keys, redisClient, storedMessages } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { secondConnection, users } from './helpers/session.js';
import { nowSeconds, waitFor } from './helpers/wait.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer();
  redis = redisClient();
});

describe('send_message', () => {
  it('acks the sender; every connection of every member, the sender’s included, gets message_created', async () => {
    const [ana, bia] = await users(server, 2);
    const ana2 = await secondConnection(server, ana!);
    const bia2 = await secondConnection(server, bia!);
    const chatId = await groupChat(ana!.client, [bia!.client]);

    const before = nowSeconds();
    const ack = await ana!.client.request('send_message', { chat_id: chatId, body: 'bom dia', client_msg_id: 'm-1' });
    expect(ack).toMatchObject({ type: 'ack', chat_id: chatId, client_msg_id: 'm-1', server_msg_id: 1 });

    const delivered = [];
    for (const client of [ana!.client, ana2, bia!.client, bia2]) {
      const event = await client.next('message_created', (e) => e.chat_id === chatId);
      expect(event).toEqual({ type: 'message_created', chat_id: chatId, message: expect.any(Object) });
      delivered.push(event.message);
    }
    const message = delivered[0]!;
    expect(message).toEqual({
      id: 1,
      sender_id: ana!.userId,
      body: 'bom dia',
      msg_type: 'text',
      created_at: expect.any(Number),
      client_msg_id: 'm-1',
    });
    expect(Number.isInteger(message.created_at)).toBe(true);
    expect(message.created_at).toBeGreaterThanOrEqual(before - 1);
    expect(message.created_at).toBeLessThanOrEqual(nowSeconds() + 1);
    for (const other of delivered) expect(other).toEqual(message);

    // What the list holds is what was delivered; the chat hash carries the last id.
    expect(await storedMessages(redis, chatId)).toEqual([message]);
    expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(1);
  });

  it('a send without client_msg_id acks with client_msg_id null; ids follow 1, 2, 3', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = (await createDm(ana!.client, bia!.userId)).chat_id;
    const explicitType = await ana!.client.request('send_message', { chat_id: chatId, body: 'one', type: 'text' });
    expect(explicitType).toMatchObject({ type: 'ack', client_msg_id: null, server_msg_id: 1 });
    expect((await sendText(bia!.client, chatId, 'two')).server_msg_id).toBe(2);
    expect((await sendText(ana!.client, chatId, 'three')).server_msg_id).toBe(3);

    const received = await bia!.client.collect('message_created', 3, (e) => e.chat_id === chatId);
    expect(received.map((e) => e.message.id)).toEqual([1, 2, 3]);
    expect(received[0]!.message).not.toHaveProperty('client_msg_id');
    expect((await storedMessages(redis, chatId)).map((m) => m.body)).toEqual(['one', 'two', 'three']);
  });

  it('a retry with the same client_msg_id gets the first ack and creates nothing', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const first = await sendText(ana!.client, chatId, 'only once', 'retry-me');
    const retry = await sendText(ana!.client, chatId, 'only once', 'retry-me');
    expect(retry).toMatchObject({ chat_id: chatId, client_msg_id: 'retry-me', server_msg_id: first.server_msg_id });
    expect(await redis.llen(keys.messages(chatId))).toBe(1);

    // Barrier: the next message reaches bia after anything the retry could have published.
    const next = await sendText(ana!.client, chatId, 'next', 'other');
    expect(next.server_msg_id).toBe(first.server_msg_id + 1);
    await bia!.client.next('message_created', (e) => e.chat_id === chatId && e.message.id === next.server_msg_id);
    expect(bia!.client.all('message_created').filter((e) => e.message.client_msg_id === 'retry-me')).toHaveLength(1);
    expect(await redis.llen(keys.messages(chatId))).toBe(2);

    // The key is per user and per chat: bia's 'retry-me' is a new message, so is ana's in another chat.
    expect((await sendText(bia!.client, chatId, 'mine', 'retry-me')).server_msg_id).toBe(3);
    const other = (await createDm(ana!.client, bia!.userId)).chat_id;
    expect((await sendText(ana!.client, other, 'elsewhere', 'retry-me')).server_msg_id).toBe(1);
  });
});

describe('broadcast:chat:{chat_id}', () => {
  it('the stored message is published on the chat’s channel', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const subscriber = redisClient();
    const published = new Promise<string>((resolve) => {
      subscriber.on('smessage', (channel: string, payload: string) => {
        if (channel === keys.chatChannel(chatId) && payload.includes('on the wire')) resolve(payload);
      });
    });
    // Sharded Pub/Sub (SPUBLISH): one shard's subscribers on a cluster, everyone's on a single Redis.
    await subscriber.ssubscribe(keys.chatChannel(chatId));
    await sendText(ana!.client, chatId, 'on the wire', 'wire-1');
    const payload = await Promise.race([
      published,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('nothing published in 5 s')), 5000)),
    ]);
    const [stored] = await storedMessages(redis, chatId);
    // The channel carries the event itself, exactly as members receive it.
    expect(JSON.parse(payload)).toEqual({ type: 'message_created', chat_id: chatId, message: stored });
  });
});

describe('read_receipt', () => {
  it('every member gets read_receipt; the highest id read is kept; above the last id is invalid_payload', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    for (let i = 0; i < 3; i++) await sendText(ana!.client, chatId);

    const before = nowSeconds();
    bia!.client.send('read_receipt', { chat_id: chatId, message_id: 2 });
    for (const client of [ana!.client, bia!.client]) {
      const receipt = await client.next('read_receipt', (e) => e.chat_id === chatId);
      expect(receipt).toEqual({
        type: 'read_receipt',
        chat_id: chatId,
        message_id: 2,
        user_id: bia!.userId,
        read_at: expect.any(Number),
      });
      expect(receipt.read_at).toBeGreaterThanOrEqual(before - 1);
    }
    expect(await redis.hget(keys.reads(chatId), bia!.userId)).toBe('2');

    // A lower id never replaces a higher one.
    bia!.client.send('read_receipt', { chat_id: chatId, message_id: 1 });
    bia!.client.send('read_receipt', { chat_id: chatId, message_id: 3 });
    await ana!.client.next('read_receipt', (e) => e.message_id === 3);
    expect(await redis.hget(keys.reads(chatId), bia!.userId)).toBe('3');
    bia!.client.send('read_receipt', { chat_id: chatId, message_id: 2 });
    await expectError(bia!.client, 'read_receipt', { chat_id: chatId, message_id: 4 }, 'invalid_payload');
    expect(await redis.hget(keys.reads(chatId), bia!.userId)).toBe('3');
  });
});

describe('typing', () => {
  it('other members get typing, not the typer’s own connections; the key lives at most 5 s', async () => {
    const [ana, bia] = await users(server, 2);
    const ana2 = await secondConnection(server, ana!);
    const chatId = await groupChat(ana!.client, [bia!.client]);

    ana!.client.send('typing', { chat_id: chatId, is_typing: true });
    expect(await bia!.client.next('typing')).toEqual({
      type: 'typing',
      chat_id: chatId,
      user_id: ana!.userId,
      is_typing: true,
    });
    expect(await redis.get(keys.typing(chatId, ana!.userId))).toBe('1');
    const ttl = await redis.pttl(keys.typing(chatId, ana!.userId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);

    // Barrier: bia already got the typing event; a message sent now reaches ana2 after it would have.
    const ack = await sendText(bia!.client, chatId);
    await ana2.next('message_created', (e) => e.message.id === ack.server_msg_id);
    expect(ana2.all('typing')).toEqual([]);
    expect(ana!.client.all('typing')).toEqual([]);

    await waitFor(
      () => redis.exists(keys.typing(chatId, ana!.userId)),
      (n) => n === 0,
      {
        timeoutMs: 7000,
        intervalMs: 200,
        what: 'the typing key to expire',
      },
    );
  });

  it('typing false reaches the others too', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    ana!.client.send('typing', { chat_id: chatId, is_typing: true });
    await bia!.client.next('typing', (e) => e.is_typing);
    ana!.client.send('typing', { chat_id: chatId, is_typing: false });
    expect(await bia!.client.next('typing', (e) => !e.is_typing)).toMatchObject({ user_id: ana!.userId });
  });

  it('a user whose last connection closes while typing is announced with is_typing false', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    ana!.client.send('typing', { chat_id: chatId, is_typing: true });
    await bia!.client.next('typing', (e) => e.is_typing);
    await ana!.client.close();
    expect(await bia!.client.next('typing', (e) => !e.is_typing)).toEqual({
      type: 'typing',
      chat_id: chatId,
      user_id: ana!.userId,
      is_typing: false,
    });
  });
});

describe('mute_chat', () => {
  it('chat_muted to all the user’s connections; chat:{id}:mute holds it; 0 unmutes', async () => {
    const [ana, bia] = await users(server, 2);
    const ana2 = await secondConnection(server, ana!);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const until = nowSeconds() + 3600;

    const reply = await ana!.client.request('mute_chat', { chat_id: chatId, until });
    expect(reply).toMatchObject({ type: 'chat_muted', chat_id: chatId, until });
    expect(await ana2.next('chat_muted')).toMatchObject({ chat_id: chatId, until });
    expect(await redis.hget(keys.mute(chatId), ana!.userId)).toBe(String(until));

    expect(await ana!.client.request('mute_chat', { chat_id: chatId, until: 0 })).toMatchObject({
      type: 'chat_muted',
      until: 0,
    });
    await ana2.next('chat_muted', (e) => e.until === 0);
    expect([null, '0']).toContain(await redis.hget(keys.mute(chatId), ana!.userId));
    expect(bia!.client.all('chat_muted')).toEqual([]);
  });
});

describe('sync', () => {
  it('answers history: the messages after after_id, oldest first, at most limit', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const sent = [];
    for (let i = 1; i <= 6; i++) sent.push(await sendText(i % 2 ? ana!.client : bia!.client, chatId, `m${i}`));
    expect(sent.map((a) => a.server_msg_id)).toEqual([1, 2, 3, 4, 5, 6]);

    const all = await sync(bia!.client, chatId, 0);
    expect(all).toMatchObject({ type: 'history', chat_id: chatId });
    expect(all.messages.map((m) => m.body)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(all.first_available_id).toBeUndefined();
    expect(all.messages).toEqual(await storedMessages(redis, chatId));

    expect((await sync(bia!.client, chatId, 4)).messages.map((m) => m.id)).toEqual([5, 6]);
    expect((await sync(bia!.client, chatId, 1, 2)).messages.map((m) => m.id)).toEqual([2, 3]);
    expect((await sync(bia!.client, chatId, 6)).messages).toEqual([]);
  });
});

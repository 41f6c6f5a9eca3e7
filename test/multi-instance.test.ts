import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, deliveredIds, groupChat, sendText } from './helpers/chat-actions.js';
import { keys, redisClient, storedMessages } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken, type Session } from './helpers/session.js';
import type { TestClient } from './helpers/ws-client.js';

/** Two server instances (one worker each) on two ports sharing one Redis behave as one service. */
let one: ServerProcess;
let two: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  [one, two] = await Promise.all([startServer(), startServer()]);
  redis = redisClient();
});

async function barrier(from: TestClient, to: TestClient, chatId: string) {
  const ack = await sendText(from, chatId, 'barrier');
  await to.next('message_created', (e) => e.chat_id === chatId && e.message.id === ack.server_msg_id);
}

describe('two instances, one Redis', () => {
  let ana: Session;
  let bia: Session;
  let chatId: string;

  beforeAll(async () => {
    ana = await connectAuthed(one);
    bia = await connectAuthed(two);
    chatId = await groupChat(ana.client, []);
  });

  it('a join on one instance is announced on the other', async () => {
    bia.client.send('join_chat', { chat_id: chatId });
    await bia.client.next('joined');
    expect(await ana.client.next('chat_member_added')).toMatchObject({ chat_id: chatId, user_id: bia.userId });
  });

  it('users on each see each other’s messages, once, in order; ids have no gap', async () => {
    const sends = [];
    for (let i = 0; i < 4; i++) {
      sends.push(sendText(ana.client, chatId, `a${i}`), sendText(bia.client, chatId, `b${i}`));
    }
    const acks = await Promise.all(sends);
    expect(acks.map((a) => a.server_msg_id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const client of [ana.client, bia.client]) {
      await client.collect('message_created', 8, (e) => e.chat_id === chatId);
    }
    await barrier(ana.client, bia.client, chatId); // message 9
    await ana.client.next('message_created', (e) => e.message.id === 9);
    for (const client of [ana.client, bia.client]) {
      expect(deliveredIds(client, chatId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect((await storedMessages(redis, chatId)).map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('typing crosses instances', async () => {
    ana.client.send('typing', { chat_id: chatId, is_typing: true });
    expect(await bia.client.next('typing')).toEqual({
      type: 'typing',
      chat_id: chatId,
      user_id: ana.userId,
      is_typing: true,
    });
    bia.client.send('typing', { chat_id: chatId, is_typing: true });
    expect(await ana.client.next('typing')).toMatchObject({ user_id: bia.userId, is_typing: true });
  });

  it('presence crosses instances; a user connected to both stays online until both close', async () => {
    const ana1 = await connectWithToken(two, ana.token); // ana now has one connection on each instance
    await ana.client.close();
    await barrier(ana1, bia.client, chatId);
    expect(bia.client.all('presence').filter((e) => e.user_id === ana.userId)).toEqual([]);
    expect(await redis.sismember(keys.onlineUsers, ana.userId)).toBe(1);

    await ana1.close();
    expect(await bia.client.next('presence', (e) => e.user_id === ana.userId)).toMatchObject({ status: 'offline' });
    expect(await redis.sismember(keys.onlineUsers, ana.userId)).toBe(0);

    ana.client = await connectWithToken(one, ana.token);
    expect(await bia.client.next('presence', (e) => e.user_id === ana.userId)).toMatchObject({ status: 'online' });
  });

  it('a DM created on one instance reaches the peer’s open connection on the other', async () => {
    const caio = await connectAuthed(two);
    const dm = await createDm(ana.client, caio.userId);
    expect(await caio.client.next('dm_ready')).toMatchObject({ chat_id: dm.chat_id, peer_user_id: ana.userId });
    const ack = await sendText(ana.client, dm.chat_id, 'de longe');
    const got = await caio.client.next('message_created', (e) => e.chat_id === dm.chat_id);
    expect(got.message).toMatchObject({ id: ack.server_msg_id, body: 'de longe', sender_id: ana.userId });
    await barrier(ana.client, caio.client, dm.chat_id);
    expect(deliveredIds(caio.client, dm.chat_id)).toEqual([1, 2]);
  });
});

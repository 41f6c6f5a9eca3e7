import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat, leaveChat, sendText } from './helpers/chat-actions.js';
import { keys, redisClient, shardSubscribers } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { secondConnection, users } from './helpers/session.js';
import { waitFor } from './helpers/wait.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ workers: 1 });
  redis = redisClient();
});

function subscribers(channel: string): Promise<number> {
  // Chat and user channels are sharded (SSUBSCRIBE): SHARDNUMSUB counts their subscribers.
  return shardSubscribers(redis, channel);
}

describe('a worker follows a chat only while it has a local connection in it', () => {
  it('one subscription per worker, whatever the number of local members; none once the last leaves', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    const channel = keys.chatChannel(chatId);
    expect(await subscribers(channel)).toBe(1);

    await joinChat(bia!.client, chatId);
    expect(await subscribers(channel)).toBe(1);

    await leaveChat(bia!.client, chatId);
    expect(await subscribers(channel)).toBe(1);

    await ana!.client.close();
    await waitFor(
      () => subscribers(channel),
      (n) => n === 0,
      { what: 'the channel to lose its subscriber' },
    );
    // The chat still works for whoever comes back: the next member's connection subscribes again.
    await joinChat(bia!.client, chatId);
    expect(await subscribers(channel)).toBe(1);
    const ack = await sendText(bia!.client, chatId, 'still here');
    expect(ack.server_msg_id).toBe(1);
  });

  it('a user with several connections on one worker: each hears the user’s news until it closes', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const tab2 = await secondConnection(server, ana!);
    const tab3 = await secondConnection(server, ana!);
    const channel = keys.userChannel(ana!.userId);
    expect(await subscribers(channel)).toBe(1);

    // Three connections, then two, then one: every open one hears a new DM and its first message.
    const peers = [bia!, caio!];
    const open = [ana!.client, tab2, tab3];
    for (const closing of [tab3, tab2]) {
      await closing.close();
      open.pop();
      const peer = peers.shift()!;
      const { chat_id: chatId } = await createDm(peer.client, ana!.userId);
      const ack = await sendText(peer.client, chatId, 'oi');
      for (const client of open) {
        expect(await client.next('dm_ready', (e) => e.chat_id === chatId)).toMatchObject({ peer_user_id: peer.userId });
        await client.next('message_created', (e) => e.chat_id === chatId && e.message.id === ack.server_msg_id);
      }
      expect(await subscribers(channel)).toBe(1);
    }
  });

  it('a user’s channel is followed while the user has a connection on the worker', async () => {
    const [ana] = await users(server, 1);
    const channel = keys.userChannel(ana!.userId);
    expect(await subscribers(channel)).toBe(1);
    await ana!.client.close();
    await waitFor(
      () => subscribers(channel),
      (n) => n === 0,
      { what: 'the user channel to lose its subscriber' },
    );
  });
});

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat, leaveChat, sendText } from './helpers/chat-actions.js';
import { keys, redisClient, shardSubscribers } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { users } from './helpers/session.js';
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

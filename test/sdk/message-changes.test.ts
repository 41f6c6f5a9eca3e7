import type { PapoClient } from '@papo/client';
import type { Message } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisClient, storedMessages } from '../helpers/redis.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { nextEvent, onlineClient, recordMessages, untilCount } from './sdk-helpers.js';

// Contract section 11 in the SDK: a client away while others edit, delete and react catches up to exactly the
// server's state, by `sync`'s updates, or by reading its messages again once the changes are no longer kept.

const CHANGES_KEEP = 10;
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ env: { CHANGES_KEEP: String(CHANGES_KEEP), RATE_LIMIT_MESSAGES: '1000' } });
  redis = redisClient();
});

/** A client's held messages as the server stores them (without the SDK's own chat_id and state). */
function held(client: PapoClient, chatId: string): Message[] {
  return client.messages(chatId).map(({ chat_id: _chat, state: _state, ...message }) => message as Message);
}

async function expectConverged(clients: PapoClient[], chatId: string): Promise<void> {
  for (const client of clients) {
    await waitFor(
      async () => JSON.stringify(held(client, chatId)) === JSON.stringify(await storedMessages(redis, chatId)),
      (same) => same,
      { what: `${client.userId}'s log to equal the server's`, timeoutMs: 15_000 },
    ).catch(async (err) => {
      expect(held(client, chatId)).toEqual(await storedMessages(redis, chatId));
      throw err;
    });
  }
}

async function setUp(name: string) {
  const proxy = await startTcpProxy(server.port);
  const ana = await onlineClient(server.url, 'Ana');
  const bia = await onlineClient(proxy.url, 'Bia');
  const { chat_id: chatId } = await ana.createPublicChat(name);
  await bia.joinChat(chatId);
  const seen = recordMessages(bia, chatId);
  for (let i = 1; i <= 5; i++) ana.send(chatId, `message ${i}`);
  // Ana's are 1..5, then Bia's is 6.
  await untilCount(seen, 5);
  bia.send(chatId, 'from bia');
  await untilCount(seen, 6);
  return { proxy, ana, bia, chatId, seen };
}

async function offline(client: PapoClient, proxy: Awaited<ReturnType<typeof startTcpProxy>>) {
  proxy.refuse();
  proxy.cut();
  await waitFor(
    () => client.state,
    (state) => state !== 'online',
    { what: 'the client to notice it is offline' },
  );
}

describe('the SDK and message changes', () => {
  it('edits, deletes, reactions and quotes: live on both clients, through the outbox, as the server has them', async () => {
    const { ana, bia, chatId } = await setUp('live changes');
    const reply = bia.send(chatId, 'answering 1', { replyTo: 1, mentions: [ana.userId!] });
    expect(reply).toMatchObject({ reply_to: 1, mentions: [ana.userId] });
    const replied = await nextEvent(ana, 'message', (m) => m.client_msg_id === reply.client_msg_id);
    expect(replied.reply_to).toEqual({ id: 1, sender_id: ana.userId, msg_type: 'text', preview: 'message 1' });
    expect(replied.mentions).toEqual([ana.userId]);

    const updated = nextEvent(bia, 'message_updated', (m) => m.id === 1 && m.body === 'message 1, edited');
    const ack = await ana.editMessage(chatId, 1, 'message 1, edited');
    expect(ack).toMatchObject({ type: 'change_ack', chat_id: chatId, message_id: 1, change_id: 1 });
    expect((await updated).edited_at).toEqual(expect.any(Number));
    await bia.react(chatId, 1, '🎉');
    await ana.deleteMessage(chatId, 1);
    await expectConverged([ana, bia], chatId);
    expect(bia.messages(chatId).find((m) => m.client_msg_id === reply.client_msg_id)?.reply_to).toMatchObject({
      id: 1,
      deleted: true,
    });

    // A forward, queued offline in the outbox like any message.
    const { chat_id: other } = await bia.createPublicChat('elsewhere');
    await ana.joinChat(other);
    const forward = bia.forward(other, { chat_id: chatId, message_id: 2 });
    expect(forward.forward_of).toEqual({ chat_id: chatId, message_id: 2 });
    const copy = await nextEvent(ana, 'message', (m) => m.chat_id === other);
    expect(copy).toMatchObject({ body: 'message 2', forwarded: true, sender_id: bia.userId });
  });

  it('a client cut off while another edits, deletes and reacts ends with the server’s history exactly', async () => {
    const { proxy, ana, bia, chatId } = await setUp('away');
    const updates: Message[] = [];
    bia.on('message_updated', (m) => {
      if (m.chat_id === chatId) updates.push(m);
    });
    await offline(bia, proxy);
    await ana.editMessage(chatId, 1, 'edited while Bia was away');
    await ana.deleteMessage(chatId, 2);
    await ana.react(chatId, 3, '👍');
    await ana.react(chatId, 6, '❤️'); // Bia's own message
    await ana.react(chatId, 3, '😂');
    ana.send(chatId, 'new while away');
    await nextEvent(ana, 'message', (m) => m.body === 'new while away');
    proxy.accept();
    await expectConverged([ana, bia], chatId);
    // Each changed message told once, as it now stands.
    expect(updates.map((m) => m.id).sort()).toEqual([1, 2, 3, 6]);
    expect(updates.find((m) => m.id === 2)).toMatchObject({ deleted: true, deleted_by: ana.userId });
    expect(updates.find((m) => m.id === 2)).not.toHaveProperty('body');

    // Live again: a change now reaches Bia at once.
    const live = nextEvent(bia, 'message_updated', (m) => m.id === 4);
    await ana.react(chatId, 4, '🔥');
    expect((await live).reactions).toEqual({ '🔥': [ana.userId] });
    await expectConverged([ana, bia], chatId);
  });

  it('past the changes the server keeps, the client reads its messages again and says chat_reset', async () => {
    const { proxy, ana, bia, chatId } = await setUp('reset');
    await offline(bia, proxy);
    for (let i = 0; i < CHANGES_KEEP + 2; i++) await ana.react(chatId, 1 + (i % 5), i % 2 ? '👍' : '👎');
    await ana.editMessage(chatId, 5, 'edited long ago');
    const reset = nextEvent(bia, 'chat_reset', (e) => e.chat_id === chatId);
    proxy.accept();
    await reset;
    await expectConverged([ana, bia], chatId);
  });
});

import type { Message } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, groupChat, sendText } from './helpers/chat-actions.js';
import { redisClient, storedMessages } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectWithToken, users } from './helpers/session.js';
import type { Frame, TestClient } from './helpers/ws-client.js';

// Contract section 11 under time and concurrency: the edit and delete windows (a server with tiny ones), and
// changes racing each other across two server instances on one Redis.

let one: ServerProcess;
let two: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  [one, two] = await Promise.all([startServer(), startServer()]);
  redis = redisClient();
});

async function stored(chatId: string, id: number): Promise<Message> {
  return ((await storedMessages(redis, chatId)) as Message[]).find((m) => m.id === id)!;
}

/** The client's view of a message: its message_created, then each message_updated in change order. */
function lastSeen(client: TestClient, chatId: string, id: number): Message | undefined {
  let seen = client.all('message_created').find((f) => f.chat_id === chatId && f.message.id === id)?.message as
    | Message
    | undefined;
  let at = 0;
  for (const f of client.all('message_updated') as Frame[]) {
    const message = f.message as Message;
    if (f.chat_id === chatId && message.id === id && (f.change_id as number) > at) {
      seen = message;
      at = f.change_id as number;
    }
  }
  return seen;
}

function waitSeconds(s: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, s * 1000));
}

describe('windows', () => {
  let tiny: ServerProcess;
  beforeAll(async () => {
    tiny = await startServer({ env: { EDIT_WINDOW_S: '1', DELETE_WINDOW_S: '1' } });
  });

  it('an own message can no longer be edited or deleted once its window passed; a group admin still deletes it', async () => {
    const [ana, bia] = await users(tiny, 2);
    const group = await ana!.client.request('create_group', { title: 'windows', member_ids: [bia!.userId] });
    const chatId = group.chat_id as string;
    const mine = (await sendText(bia!.client, chatId, 'mine')).server_msg_id;
    const admins = (await sendText(ana!.client, chatId, 'the owner’s')).server_msg_id;
    await waitSeconds(2.2);
    const late = await expectError(
      bia!.client,
      'edit_message',
      { chat_id: chatId, message_id: mine, body: 'x' },
      'forbidden',
    );
    expect(late.message).toMatch(/Too late to edit/);
    const lateDelete = await expectError(
      bia!.client,
      'delete_message',
      { chat_id: chatId, message_id: mine },
      'forbidden',
    );
    expect(lateDelete.message).toMatch(/Too late to delete/);
    // The owner deletes any message, their own too, whenever.
    for (const id of [mine, admins]) {
      const reply = await ana!.client.request('delete_message', { chat_id: chatId, message_id: id });
      expect(reply).toMatchObject({ type: 'change_ack' });
    }
  });
});

describe('trimmed messages', () => {
  let small: ServerProcess;
  beforeAll(async () => {
    small = await startServer({ env: { MESSAGES_KEEP: '10' } });
  });

  it('a message the chat no longer keeps cannot be changed or quoted, and quotes go with the messages', async () => {
    const [ana, bia] = await users(small, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    await sendText(ana!.client, chatId, 'first');
    for (let i = 0; i < 14; i++) {
      const reply = await bia!.client.request('send_message', { chat_id: chatId, body: `re ${i}`, reply_to: i + 1 });
      expect(reply, JSON.stringify(reply)).toMatchObject({ type: 'ack' });
    }
    // Kept: ids 6..15. Quotes of messages below 6 are gone with them.
    const quoted = (await redis.zrange(`chat:{${chatId}}:quotes`, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2);
    expect(Math.min(...quoted.map(Number))).toBeGreaterThanOrEqual(6);
    for (const [action, data] of [
      ['edit_message', { body: 'x' }],
      ['delete_message', {}],
      ['react', { emoji: '👍' }],
    ] as const) {
      await expectError(ana!.client, action, { chat_id: chatId, message_id: 1, ...data }, 'not_found');
    }
    await expectError(bia!.client, 'send_message', { chat_id: chatId, body: 'late', reply_to: 2 }, 'invalid_payload');
  });
});

describe('two instances', () => {
  it('an edit racing a delete ends in one state, the same in Redis and on both clients', async () => {
    for (let round = 0; round < 5; round++) {
      const [ana] = await users(one, 1);
      const [bia] = await users(two, 1);
      const anaOnTwo = await connectWithToken(two, ana!.token);
      const chatId = await groupChat(ana!.client, [bia!.client]);
      const id = (await sendText(ana!.client, chatId, 'draft')).server_msg_id;
      const [edit, del] = await Promise.all([
        ana!.client.request('edit_message', { chat_id: chatId, message_id: id, body: 'final' }),
        anaOnTwo.request('delete_message', { chat_id: chatId, message_id: id }),
      ]);
      expect(del).toMatchObject({ type: 'change_ack' });
      const final = await stored(chatId, id);
      expect(final).toMatchObject({ deleted: true });
      expect(final).not.toHaveProperty('body');
      // The edit either came first (a change) or found it deleted (forbidden).
      if (edit.type === 'error') expect(edit.error).toBe('forbidden');
      const lastChange = Number(await redis.hget(`chat:{${chatId}}`, 'last_change_id'));
      for (const client of [ana!.client, bia!.client]) {
        await client.next('message_updated', (f) => f.chat_id === chatId && f.change_id === lastChange);
        expect(lastSeen(client, chatId, id), `round ${round}`).toEqual(final);
      }
    }
  });

  it('two reactions by one user from two devices end with one reaction', async () => {
    for (let round = 0; round < 5; round++) {
      const [ana] = await users(one, 1);
      const [bia] = await users(two, 1);
      const anaOnTwo = await connectWithToken(two, ana!.token);
      const chatId = await groupChat(bia!.client, [ana!.client]);
      const id = (await sendText(bia!.client, chatId, 'react')).server_msg_id;
      const replies = await Promise.all([
        ana!.client.request('react', { chat_id: chatId, message_id: id, emoji: '👍' }),
        anaOnTwo.request('react', { chat_id: chatId, message_id: id, emoji: '❤️' }),
      ]);
      for (const reply of replies) expect(reply).toMatchObject({ type: 'change_ack' });
      const final = await stored(chatId, id);
      const reactions = Object.values(final.reactions ?? {}).flat();
      expect(reactions).toEqual([ana!.userId]);
      await bia!.client.next('message_updated', (f) => f.chat_id === chatId && f.change_id === 2);
      expect(lastSeen(bia!.client, chatId, id)).toEqual(final);
    }
  });

  it('a reply to a message being deleted is either refused or left with a deleted quote', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const [ana] = await users(one, 1);
      const [bia] = await users(two, 1);
      const chatId = await groupChat(ana!.client, [bia!.client]);
      const id = (await sendText(ana!.client, chatId, 'about to go')).server_msg_id;
      const [reply] = await Promise.all([
        bia!.client.request('send_message', { chat_id: chatId, body: 'answer', reply_to: id }),
        ana!.client.request('delete_message', { chat_id: chatId, message_id: id }),
      ]);
      const messages = (await storedMessages(redis, chatId)) as Message[];
      expect(JSON.stringify(messages)).not.toContain('about to go');
      if (reply.type === 'error') {
        expect(reply.error).toBe('invalid_payload');
        outcomes.add('refused');
      } else {
        const answer = messages.find((m) => m.id === reply.server_msg_id)!;
        expect(answer.reply_to).toEqual({ id, sender_id: ana!.userId, msg_type: 'text', deleted: true });
        outcomes.add('quote cleared');
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});

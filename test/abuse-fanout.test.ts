import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat, leaveChat, sendText } from './helpers/chat-actions.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';
import { waitFor } from './helpers/wait.js';

// Issue 16, finding 4: actions that one account can repeat cheaply and the server fans out to every member of a
// chat. Each test performs the attack against a real server and Redis and checks that what reaches the members
// stays bounded.

let server: ServerProcess;
let redis: Redis;

const MEMBERSHIP_LIMIT = 10;

beforeAll(async () => {
  server = await startServer({ env: { MEMBERSHIP_CHANGES_PER_HOUR: String(MEMBERSHIP_LIMIT) } });
  redis = redisClient();
});

const typingKeys = (chatId: string, userId: string) => ({
  state: keys.typing(chatId, userId),
  sent: `typing_sent:{${chatId}}:${userId}`,
});

describe('typing is throttled per chat and user', () => {
  it('true repeated within 2 s is told once; false only after a true; two starts per window at most', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    await joinChat(bia!.client, chatId);
    const { state, sent } = typingKeys(chatId, ana!.userId);
    const told = async (barrier: string) => {
      await sendText(ana!.client, chatId, barrier);
      await bia!.client.next('message_created', (e) => e.message.body === barrier);
      return bia!.client.all('typing').map((e) => e.is_typing);
    };

    // Repeats within the window are not told; a stop is, once; a start after it is (a second start in the
    // window), and its stop; then nothing more in this window, whatever is sent.
    for (const isTyping of [true, true, true, false, false, true, true, false, true, false, true, false]) {
      ana!.client.send('typing', { chat_id: chatId, is_typing: isTyping });
    }
    expect(await told('barrier')).toEqual([true, false, true, false]);
    // The start that was not told created no typing state, so its stop had nothing to tell.
    expect(await redis.exists(state)).toBe(0);

    // Once the window has passed, a true is told again and the state lives its 5 s.
    await waitFor(
      () => redis.exists(sent),
      (n) => n === 0,
      { what: 'the throttle window to pass', timeoutMs: 4000 },
    );
    ana!.client.send('typing', { chat_id: chatId, is_typing: true });
    expect(await told('barrier 2')).toEqual([true, false, true, false, true]);
    expect(await redis.pttl(state)).toBeGreaterThan(4000);
    // A repeat within the window keeps the state alive without telling anyone.
    ana!.client.send('typing', { chat_id: chatId, is_typing: true });
    expect(await told('barrier 3')).toEqual([true, false, true, false, true]);
    expect(await redis.exists(state)).toBe(1);
  });

  it('thousands of typing frames into a chat of many members: each member gets at most four per 2 s; a DM send is answered meanwhile', async () => {
    const MEMBERS = 30;
    const FRAMES = 6000;
    const [typer, ...members] = await users(server, MEMBERS);
    const chatId = await createPublicChat(typer!.client);
    for (const member of members) await joinChat(member.client, chatId);
    // Two other users in a DM of their own.
    const [carla, davi] = members.slice(-2) as [Session, Session];
    const dm = (await createDm(carla.client, davi.userId)).chat_id;

    const started = Date.now();
    for (let i = 0; i < FRAMES; i++) {
      // Half true, half false, in the worst order for a throttle: alternating.
      typer!.client.send('typing', { chat_id: chatId, is_typing: i % 2 === 0 });
    }
    // While the flood is being handled, an unrelated DM's send is answered.
    const ack = await sendText(carla.client, dm, 'still here?');
    expect(ack.server_msg_id).toBeGreaterThan(0);
    await davi.client.next('message_created', (e) => e.chat_id === dm);

    // Everything the typer sent is handled before this send (one connection, one Redis connection, in order).
    await sendText(typer!.client, chatId, 'done typing');
    for (const member of members) {
      await member.client.next('message_created', (e) => e.message.body === 'done typing', 20_000);
    }
    const elapsed = Date.now() - started;
    // At most two trues and two falses per 2 s window, plus the windows at either end.
    const bound = 4 * (Math.floor(elapsed / 2000) + 2);
    for (const member of members) {
      const told = member.client.all('typing').filter((e) => e.chat_id === chatId);
      expect(told.length, `typing frames to one member in ${elapsed} ms`).toBeLessThanOrEqual(bound);
      expect(told.length).toBeGreaterThanOrEqual(1);
    }
    expect(typer!.client.all('typing')).toEqual([]);
  });
});

describe(`joins and leaves per user (MEMBERSHIP_CHANGES_PER_HOUR=${MEMBERSHIP_LIMIT})`, () => {
  it('join/leave pairs past the limit are rate_limited with retry_after; members hear only the allowed ones', async () => {
    const [owner, watcher, churner] = await users(server, 3);
    const chatId = await createPublicChat(owner!.client);
    await joinChat(watcher!.client, chatId);

    let refused: Record<string, unknown> | undefined;
    let changes = 0;
    for (let i = 0; i < 100 && !refused; i++) {
      const action = i % 2 === 0 ? 'join_chat' : 'leave_chat';
      const reply = await churner!.client.request(action, { chat_id: chatId });
      if (reply.type === 'error') refused = reply;
      else changes++;
    }
    expect(changes).toBe(MEMBERSHIP_LIMIT);
    expect(refused).toMatchObject({
      type: 'error',
      error: 'rate_limited',
      action: 'join_chat',
      retry_after: expect.any(Number),
    });
    expect(refused!.retry_after as number).toBeGreaterThan(0);
    expect(refused!.retry_after as number).toBeLessThanOrEqual(3600);

    // The refused join created nothing and told nobody: the churner is not a member, and the watcher heard
    // exactly the allowed changes (half of them joins).
    expect(await redis.sismember(keys.members(chatId), churner!.userId)).toBe(0);
    expect(await redis.sismember(keys.userChats(churner!.userId), chatId)).toBe(0);
    await sendText(owner!.client, chatId, 'barrier');
    await watcher!.client.next('message_created', (e) => e.message.body === 'barrier');
    const heard = watcher!.client
      .all()
      .filter((f) => f.type === 'chat_member_added' || f.type === 'chat_member_removed')
      .filter((f) => f.user_id === churner!.userId);
    expect(heard).toHaveLength(MEMBERSHIP_LIMIT);
    // Refused leaves are limited too: the churner cannot leave another chat now either.
    const other = await createPublicChat(churner!.client);
    expect(await churner!.client.request('leave_chat', { chat_id: other })).toMatchObject({
      error: 'rate_limited',
    });
  });

  it('a repeated join or a refused one does not use up the limit', async () => {
    const [owner, joiner] = await users(server, 2);
    const chatId = await createPublicChat(owner!.client);
    await joinChat(joiner!.client, chatId);
    for (let i = 0; i < MEMBERSHIP_LIMIT + 2; i++) await joinChat(joiner!.client, chatId);
    for (let i = 0; i < MEMBERSHIP_LIMIT + 2; i++) {
      const reply = await joiner!.client.request('join_chat', { chat_id: 'c_doesnotexist' });
      expect(reply).toMatchObject({ error: 'not_found' });
    }
    await leaveChat(joiner!.client, chatId);
    expect(Number(await redis.get(`rate:membership:${joiner!.userId}`))).toBe(2);
  });
});

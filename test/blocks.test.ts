import { type ChatInfo, type Contact, LIMITS, type UserDetails } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, expectError, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectWithToken, type Session, users } from './helpers/session.js';
import type { Frame, TestClient } from './helpers/ws-client.js';
import { onlineClient } from './sdk/sdk-helpers.js';

// Contract section 9, blocking: POST/DELETE/GET /api/blocks; the blocked cannot open a DM with the blocker nor
// send in one, and (decided here, as WhatsApp) neither can the blocker until they unblock; neither sees the
// other's presence, typing or last seen, in DMs and groups alike; in a group both still see each other's
// messages. Nothing here is timed: "not delivered" is checked against a later event on the same channel, which
// every connection receives in order (a chat's events on its channel; presence on the presence channel).

// Keys of this file's server only, so seeded sets are this file's.
const P = `${uniq('blocks')}:`;
const BLOCKS_PER_HOUR = 6;

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({
    env: { REDIS_KEY_PREFIX: P, BLOCKS_PER_HOUR: String(BLOCKS_PER_HOUR), CHATS_PER_HOUR: '1000' },
  });
  redis = redisClient();
});

function block(by: Session, userId: string) {
  return api(server.url, '/api/blocks', { token: by.token, body: { user_id: userId } });
}

function unblock(by: Session, userId: string) {
  return api(server.url, `/api/blocks/${encodeURIComponent(userId)}`, { token: by.token, method: 'DELETE' });
}

async function blocked(by: Session): Promise<string[]> {
  const { status, body } = await api(server.url, '/api/blocks', { token: by.token });
  expect(status).toBe(200);
  return (body.users as { user_id: string }[]).map((u) => u.user_id);
}

async function createGroup(owner: Session, members: Session[]): Promise<string> {
  const reply = await owner.client.request('create_group', {
    title: uniq('group-'),
    member_ids: members.map((m) => m.userId),
  });
  expect(reply, JSON.stringify(reply)).toMatchObject({ type: 'chat_created', kind: 'group' });
  const chatId = reply.chat_id as string;
  await Promise.all(members.map((m) => m.client.next('chat_added', (f) => f.chat_id === chatId)));
  return chatId;
}

/** The frames a client got of a type about a user (presence, typing), taken or not. */
function about(client: TestClient, type: 'presence' | 'typing', userId: string, chatId?: string): Frame[] {
  return client
    .all()
    .filter((f) => f.type === type && f.user_id === userId && (chatId === undefined || f.chat_id === chatId));
}

describe('POST, DELETE and GET /api/blocks', () => {
  it('blocks, lists with profiles, blocks twice without error, unblocks (twice too)', async () => {
    const [ana, bruno, carla] = await users(server, 3);
    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    expect((await block(ana!, carla!.userId)).status).toBe(204);
    const { body } = await api(server.url, '/api/blocks', { token: ana!.token });
    expect(body.users).toHaveLength(2);
    expect(body.users).toContainEqual({ user_id: bruno!.userId, username: bruno!.username, avatar_url: '' });
    // Only the blocker's list has them.
    expect(await blocked(bruno!)).toEqual([]);

    expect((await unblock(ana!, bruno!.userId)).status).toBe(204);
    expect((await unblock(ana!, bruno!.userId)).status).toBe(204);
    expect(await blocked(ana!)).toEqual([carla!.userId]);
  });

  it('refuses oneself (400), an unknown user (404), a bad body (400), no token (401)', async () => {
    const [ana] = await users(server, 1);
    expect(await block(ana!, ana!.userId)).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    expect(await block(ana!, 'u_nobody_here')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const bad = await api(server.url, '/api/blocks', { token: ana!.token, body: { user: 'x' } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    expect((await api(server.url, '/api/blocks', { body: { user_id: ana!.userId } })).status).toBe(401);
    expect((await api(server.url, '/api/blocks')).status).toBe(401);
    // Unblocking someone never blocked, or nobody at all, is no error.
    expect((await unblock(ana!, 'u_nobody_here')).status).toBe(204);
    expect(await blocked(ana!)).toEqual([]);
    expect(await redis.exists(`${P}blocks:${ana!.userId}`, `${P}block_marks:{${P}blocks:${ana!.userId}}`)).toBe(0);
  });

  it(`holds at most LIMITS.blocksMax (${LIMITS.blocksMax}): one more is forbidden, a repeat and an unblock are not`, async () => {
    const [ana, bruno] = await users(server, 2);
    const seeded = Array.from({ length: LIMITS.blocksMax }, (_, i) => `u_seed_${i}`);
    await redis.sadd(`${P}blocks:${ana!.userId}`, ...seeded);
    const refused = await block(ana!, bruno!.userId);
    expect(refused).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(await redis.sismember(`${P}blocks:${ana!.userId}`, bruno!.userId)).toBe(0);
    expect((await unblock(ana!, 'u_seed_0')).status).toBe(204);
    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    expect(await redis.scard(`${P}blocks:${ana!.userId}`)).toBe(LIMITS.blocksMax);
    // Seeded ids have no account: the list shows the one real user.
    expect(await blocked(ana!)).toEqual([bruno!.userId]);
  });

  it(`counts blocks and unblocks per user: past BLOCKS_PER_HOUR (${BLOCKS_PER_HOUR} here) 429 with retry_after`, async () => {
    const [ana, bruno, carla] = await users(server, 3);
    for (let i = 0; i < BLOCKS_PER_HOUR / 2; i++) {
      expect((await block(ana!, bruno!.userId)).status).toBe(204);
      expect((await unblock(ana!, bruno!.userId)).status).toBe(204);
    }
    const over = await block(ana!, bruno!.userId);
    expect(over).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(over.body.retry_after).toBeGreaterThan(0);
    expect(await blocked(ana!)).toEqual([]);
    // Per user: another is not held back.
    expect((await block(carla!, bruno!.userId)).status).toBe(204);
  });

  it('the SDK blocks, lists and unblocks', async () => {
    const [bruno] = await users(server, 1);
    const client = await onlineClient(server.url, uniq('sdk-'));
    await client.block(bruno!.userId);
    expect((await client.blocks()).map((u) => u.user_id)).toEqual([bruno!.userId]);
    await client.unblock(bruno!.userId);
    expect(await client.blocks()).toEqual([]);
  });
});

describe('DMs across a block', () => {
  it('neither side opens or sends in the DM while it stands; both do again after the unblock', async () => {
    const [ana, bruno] = await users(server, 2);
    const { chat_id: dm } = await createDm(ana!.client, bruno!.userId);
    await sendText(bruno!.client, dm, 'before');

    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    // The blocked: forbidden (the contract's rule).
    await expectError(bruno!.client, 'create_dm', { peer_user_id: ana!.userId }, 'forbidden');
    const refused = await expectError(bruno!.client, 'send_message', { chat_id: dm, body: 'hi' }, 'forbidden');
    expect(refused.message).not.toMatch(/you blocked/i);
    // The blocker: told to unblock first.
    const own = await expectError(ana!.client, 'create_dm', { peer_user_id: bruno!.userId }, 'forbidden');
    expect(own.message).toMatch(/unblock/);
    const ownSend = await expectError(ana!.client, 'send_message', { chat_id: dm, body: 'hi' }, 'forbidden');
    expect(ownSend.message).toMatch(/unblock/);
    // Nothing was stored; the history before the block is still there to read.
    const stored = await redis.lrange(`${P}chat:{${dm}}:messages`, 0, -1);
    expect(stored.map((m) => JSON.parse(m).body)).toEqual(['before']);
    expect(await redis.hget(`${P}chat:{${dm}}`, 'last_id')).toBe('1');

    expect((await unblock(ana!, bruno!.userId)).status).toBe(204);
    expect((await createDm(bruno!.client, ana!.userId)).chat_id).toBe(dm);
    expect((await createDm(ana!.client, bruno!.userId)).chat_id).toBe(dm);
    expect((await sendText(bruno!.client, dm, 'after')).server_msg_id).toBe(2);
    await ana!.client.next('message_created', (f) => f.chat_id === dm && f.message.body === 'after');
    expect((await sendText(ana!.client, dm)).server_msg_id).toBe(3);
  });

  it('a block both ways holds until both are lifted', async () => {
    const [ana, bruno] = await users(server, 2);
    const { chat_id: dm } = await createDm(ana!.client, bruno!.userId);
    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    expect((await block(bruno!, ana!.userId)).status).toBe(204);
    expect((await unblock(ana!, bruno!.userId)).status).toBe(204);
    // Bruno's block stands: Ana is the blocked one now.
    const refused = await expectError(ana!.client, 'send_message', { chat_id: dm, body: 'hi' }, 'forbidden');
    expect(refused.message).not.toMatch(/you blocked/i);
    await expectError(bruno!.client, 'send_message', { chat_id: dm, body: 'hi' }, 'forbidden');
    expect((await unblock(bruno!, ana!.userId)).status).toBe(204);
    await sendText(ana!.client, dm);
    await sendText(bruno!.client, dm);
  });

  it('a block made before any DM: no DM either way until the unblock', async () => {
    const [ana, bruno] = await users(server, 2);
    expect((await block(bruno!, ana!.userId)).status).toBe(204);
    await expectError(ana!.client, 'create_dm', { peer_user_id: bruno!.userId }, 'forbidden');
    await expectError(bruno!.client, 'create_dm', { peer_user_id: ana!.userId }, 'forbidden');
    expect(await redis.exists(`${P}dm:${[ana!.userId, bruno!.userId].sort().join(':')}`)).toBe(0);
    expect((await unblock(bruno!, ana!.userId)).status).toBe(204);
    const { chat_id: dm } = await createDm(ana!.client, bruno!.userId);
    await sendText(ana!.client, dm);
  });

  it('a block cut short by a crash before its DM mirror is finished by its retry', async () => {
    const [ana, bruno] = await users(server, 2);
    const { chat_id: dm } = await createDm(ana!.client, bruno!.userId);
    // As the first step alone leaves it (block-set.lua): Ana's set and mark, no mirror anywhere else.
    await redis.sadd(`${P}blocks:${ana!.userId}`, bruno!.userId);
    await redis.hset(`${P}block_marks:{${P}blocks:${ana!.userId}}`, bruno!.userId, 1);
    await sendText(bruno!.client, dm, 'not mirrored yet');
    // The retry (the client was told `internal`) runs every step again.
    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    await expectError(bruno!.client, 'send_message', { chat_id: dm, body: 'hi' }, 'forbidden');
    expect(await redis.hget(`${P}chat:{${dm}}`, 'blocked')).toBe(ana!.userId);
    expect(Number(await redis.hget(`${P}blocked_by:{${P}blocks:${bruno!.userId}}`, ana!.userId))).toBeGreaterThan(0);
  });

  it('racing blocks and unblocks of one pair end agreeing with blocks:{user}', async () => {
    const [ana, bruno] = await users(server, 2);
    const { chat_id: dm } = await createDm(ana!.client, bruno!.userId);
    // Ana's whole budget (BLOCKS_PER_HOUR) at once, blocks and unblocks interleaved.
    const calls = await Promise.all(
      Array.from({ length: BLOCKS_PER_HOUR }, (_, i) =>
        i % 2 === 0 ? block(ana!, bruno!.userId) : unblock(ana!, bruno!.userId),
      ),
    );
    expect(calls.map((c) => c.status)).toEqual(Array(BLOCKS_PER_HOUR).fill(204));
    const standing = (await redis.sismember(`${P}blocks:${ana!.userId}`, bruno!.userId)) === 1;
    const mark = Number(await redis.hget(`${P}block_marks:{${P}blocks:${ana!.userId}}`, bruno!.userId));
    expect(mark > 0).toBe(standing);
    // Each mirror kept the newest mark, whatever order the calls' steps reached it in.
    expect(Number(await redis.hget(`${P}blocked_by:{${P}blocks:${bruno!.userId}}`, ana!.userId))).toBe(mark);
    expect(Number(await redis.hget(`${P}chat:{${dm}}`, `block:${ana!.userId}`))).toBe(mark);
    expect(await redis.hget(`${P}chat:{${dm}}`, 'blocked')).toBe(standing ? ana!.userId : null);
    const details = await api<UserDetails>(server.url, `/api/users/${ana!.userId}`, { token: bruno!.token });
    expect(details.body.online).toBe(!standing);
    if (standing) await expectError(bruno!.client, 'send_message', { chat_id: dm, body: 'hi' }, 'forbidden');
    else await sendText(bruno!.client, dm);
  });
});

describe('presence, typing and last seen across a block', () => {
  it('in a group: neither gets the other’s typing or presence, a third member gets both; messages flow', async () => {
    const [ana, bruno, carla, dana] = await users(server, 4);
    const group = await createGroup(ana!, [bruno!, carla!, dana!]);
    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    await reached(ana!, bruno!);

    // Bruno types, then sends: Carla gets both; Ana gets the message (groups keep their messages) but not the
    // typing, which came before it on the same channel.
    bruno!.client.send('typing', { chat_id: group, is_typing: true });
    await carla!.client.next('typing', (f) => f.chat_id === group && f.user_id === bruno!.userId);
    await sendText(bruno!.client, group, 'from bruno');
    await ana!.client.next('message_created', (f) => f.chat_id === group && f.message.body === 'from bruno');
    expect(about(ana!.client, 'typing', bruno!.userId)).toEqual([]);
    // The other way: Ana's typing reaches Carla, not Bruno; Ana's message reaches Bruno.
    ana!.client.send('typing', { chat_id: group, is_typing: true });
    await carla!.client.next('typing', (f) => f.chat_id === group && f.user_id === ana!.userId);
    await sendText(ana!.client, group, 'from ana');
    await bruno!.client.next('message_created', (f) => f.chat_id === group && f.message.body === 'from ana');
    expect(about(bruno!.client, 'typing', ana!.userId)).toEqual([]);

    // Presence: Bruno goes offline, then Dana; Carla is told both, Ana only Dana's (the presence channel keeps
    // the order). Then back online, in the same order.
    await bruno!.client.close();
    await carla!.client.next('presence', (f) => f.user_id === bruno!.userId && f.status === 'offline');
    await dana!.client.close();
    await ana!.client.next('presence', (f) => f.user_id === dana!.userId && f.status === 'offline');
    const brunoAgain = await connectWithToken(server, bruno!.token);
    await carla!.client.next('presence', (f) => f.user_id === bruno!.userId && f.status === 'online');
    const danaAgain = await connectWithToken(server, dana!.token);
    await ana!.client.next('presence', (f) => f.user_id === dana!.userId && f.status === 'online');
    expect(about(ana!.client, 'presence', bruno!.userId)).toEqual([]);
    // And Bruno's new connection (its hidden users read at auth) is not told Ana's.
    await ana!.client.close();
    await carla!.client.next('presence', (f) => f.user_id === ana!.userId && f.status === 'offline');
    await danaAgain.close();
    await brunoAgain.next('presence', (f) => f.user_id === dana!.userId && f.status === 'offline');
    expect(about(brunoAgain, 'presence', ana!.userId)).toEqual([]);
  });

  it('in a DM: no typing either way while blocked, live again after the unblock on open connections', async () => {
    const [ana, bruno] = await users(server, 2);
    const { chat_id: dm } = await createDm(ana!.client, bruno!.userId);
    // Read marks: Ana 1 (her own message), Bruno 0. A read that raises a mark is told on the DM's channel: the
    // later event that shows a typing before it was left out.
    await sendText(ana!.client, dm, 'first');
    await bruno!.client.next('message_created', (f) => f.chat_id === dm);
    expect((await block(bruno!, ana!.userId)).status).toBe(204);
    await reached(ana!, bruno!);
    // The blocker types, then reads: Ana is told the read, not the typing.
    bruno!.client.send('typing', { chat_id: dm, is_typing: true });
    bruno!.client.send('read_receipt', { chat_id: dm, message_id: 1 });
    await ana!.client.next('read_receipt', (f) => f.chat_id === dm && f.user_id === bruno!.userId);
    expect(about(ana!.client, 'typing', bruno!.userId)).toEqual([]);

    // Now Ana's mark may rise (Bruno writes while unblocked), and the blocked one types.
    expect((await unblock(bruno!, ana!.userId)).status).toBe(204);
    await sendText(bruno!.client, dm, 'second');
    await ana!.client.next('message_created', (f) => f.chat_id === dm && f.message.body === 'second');
    expect((await block(bruno!, ana!.userId)).status).toBe(204);
    await reached(ana!, bruno!);
    ana!.client.send('typing', { chat_id: dm, is_typing: true });
    ana!.client.send('read_receipt', { chat_id: dm, message_id: 2 });
    await bruno!.client.next('read_receipt', (f) => f.chat_id === dm && f.user_id === ana!.userId);
    expect(about(bruno!.client, 'typing', ana!.userId)).toEqual([]);

    // Lifted: the same open connections get typing again (their hidden users were read again).
    expect((await unblock(bruno!, ana!.userId)).status).toBe(204);
    await waitForTyping(ana!, bruno!, dm);
    await waitForTyping(bruno!, ana!, dm);
  });

  it('last seen and online: hidden between the two in /api/users/:id, /api/contacts and chat info', async () => {
    const [ana, bruno, carla] = await users(server, 3);
    const group = await createGroup(carla!, [ana!, bruno!]);
    await createDm(ana!.client, bruno!.userId);
    expect((await block(bruno!, ana!.userId)).status).toBe(204);

    for (const [viewer, other] of [
      [ana!, bruno!],
      [bruno!, ana!],
    ] as const) {
      const details = await api<UserDetails>(server.url, `/api/users/${other.userId}`, { token: viewer.token });
      expect(details.body).toMatchObject({ user_id: other.userId, online: false, last_seen: null });
      const contacts = await api<{ users: Contact[] }>(server.url, '/api/contacts', { token: viewer.token });
      expect(contacts.body.users.find((u) => u.user_id === other.userId)).toMatchObject({
        online: false,
        last_seen: null,
      });
      const info = await api<ChatInfo>(server.url, `/api/chats/${group}`, { token: viewer.token });
      expect(info.body.members?.find((m) => m.user_id === other.userId)).toMatchObject({
        online: false,
        last_seen: null,
      });
      const online = await api(server.url, '/api/users/online', { token: viewer.token });
      expect((online.body.users as { user_id: string }[]).map((u) => u.user_id)).not.toContain(other.userId);
    }
    // A third member sees both as they are.
    for (const other of [ana!, bruno!]) {
      const details = await api<UserDetails>(server.url, `/api/users/${other.userId}`, { token: carla!.token });
      expect(details.body.online).toBe(true);
      expect(details.body.last_seen).toEqual(expect.any(Number));
      const info = await api<ChatInfo>(server.url, `/api/chats/${group}`, { token: carla!.token });
      expect(info.body.members?.find((m) => m.user_id === other.userId)).toMatchObject({ online: true });
    }
    // Lifted: shown again.
    expect((await unblock(bruno!, ana!.userId)).status).toBe(204);
    const details = await api<UserDetails>(server.url, `/api/users/${bruno!.userId}`, { token: ana!.token });
    expect(details.body).toMatchObject({ online: true, last_seen: expect.any(Number) });
  });
});

/**
 * Resolves once what was published on these users' channels so far (a block's news) has reached their open
 * connections: a DM that a new user opens with each is told on the same channel, after it.
 */
async function reached(...sessions: Session[]): Promise<void> {
  await Promise.all(
    sessions.map(async (session) => {
      const [helper] = await users(server, 1);
      const { chat_id: chatId } = await createDm(helper!.client, session.userId);
      await session.client.next('dm_ready', (f) => f.chat_id === chatId);
    }),
  );
}

/**
 * `typist` types in `chatId` until `watcher` is told: after an unblock the watcher's connections read their
 * hidden users again in the background, so an early typing may still be left out.
 */
async function waitForTyping(watcher: Session, typist: Session, chatId: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    typist.client.send('typing', { chat_id: chatId, is_typing: attempt % 2 === 0 });
    try {
      await watcher.client.next('typing', (f) => f.chat_id === chatId && f.user_id === typist.userId, 1000);
      return;
    } catch (err) {
      if (attempt >= 20) throw err;
    }
  }
}

describe('the blocker’s other devices', () => {
  it('hear blocks_changed on every connection; the one blocked hears nothing of it', async () => {
    const [ana, bruno] = await users(server, 2);
    const anaPhone = await connectWithToken(server, ana!.token);
    expect((await block(ana!, bruno!.userId)).status).toBe(204);
    for (const client of [ana!.client, anaPhone]) {
      expect(await client.next('blocks_changed')).toMatchObject({ user_id: bruno!.userId, blocked: true });
    }
    expect((await unblock(ana!, bruno!.userId)).status).toBe(204);
    for (const client of [ana!.client, anaPhone]) {
      expect(await client.next('blocks_changed')).toMatchObject({ user_id: bruno!.userId, blocked: false });
    }
    // A later event on Bruno's own channel, as a barrier: he was never told.
    const dm = await createDm(ana!.client, bruno!.userId);
    await bruno!.client.next('dm_ready', (f) => f.chat_id === dm.chat_id);
    expect(bruno!.client.all().filter((f) => f.type === 'blocks_changed')).toEqual([]);
  });
});

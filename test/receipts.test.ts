import type { MessageReceipts, ServerEventOf } from '@papo/protocol';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createDm, createPublicChat, expectError, joinChat, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';
import type { TestClient } from './helpers/ws-client.js';

// Contract section 10: received and read marks, the chat's lowest (chat_receipts), per-user receipt events in
// small chats only, and message info.

const FANOUT_MAX = 4;
let server: ServerProcess;
let redis: Redis;
let P: string;

beforeAll(async () => {
  P = `${uniq('receipts')}:`;
  // Per-user events stop above 4 members here, so a "big" group is 5.
  server = await startServer({ env: { REDIS_KEY_PREFIX: P, RECEIPTS_FANOUT_MAX_MEMBERS: String(FANOUT_MAX) } });
  redis = redisClient();
});

async function group(owner: Session, members: Session[]): Promise<string> {
  const reply = await owner.client.request('create_group', {
    title: uniq('g-'),
    member_ids: members.map((m) => m.userId),
  });
  expect(reply.type, JSON.stringify(reply)).toBe('chat_created');
  return reply.chat_id as string;
}

function info(session: Session, chatId: string, messageId: number) {
  return api<MessageReceipts>(server.url, `/api/chats/${chatId}/messages/${messageId}/receipts`, {
    token: session.token,
  });
}

const receiptsOf = (client: TestClient, chatId: string) => client.next('chat_receipts', (f) => f.chat_id === chatId);

/** Frames of a type for a chat that a client got so far. */
const seen = <T extends 'chat_receipts' | 'delivered_receipt' | 'read_receipt'>(
  client: TestClient,
  type: T,
  chatId: string,
): ServerEventOf<T>[] => client.all(type).filter((f) => f.chat_id === chatId);

/**
 * A round trip on each client, then the longest a worker holds receipt events (RECEIPT_HOLD_MS in
 * fanout/hub.ts, 250 ms): what a script published before has reached them.
 */
async function settle(...clients: TestClient[]) {
  for (const client of clients) await client.request('typing', { chat_id: 'c_none', is_typing: false });
  await new Promise((resolve) => setTimeout(resolve, 400));
}

describe('received and read in a DM', () => {
  it('ticks: the lowest marks rise as the peer receives and reads, told once each, with per-user events', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    const first = await sendText(ana!.client, dm, 'hello');
    await bia!.client.next('message_created', (f) => f.chat_id === dm);
    // Ana's own marks rose with her send; Bia's hold the chat back: nothing to tell yet.
    expect(seen(ana!.client, 'chat_receipts', dm)).toHaveLength(0);

    bia!.client.send('received', { chat_id: dm, message_id: first.server_msg_id });
    expect(await ana!.client.next('delivered_receipt', (f) => f.chat_id === dm)).toMatchObject({
      message_id: first.server_msg_id,
      user_id: bia!.userId,
      delivered_at: expect.any(Number),
    });
    expect(await receiptsOf(ana!.client, dm)).toMatchObject({ received_id: 1, read_id: 0 });
    expect(await receiptsOf(bia!.client, dm)).toMatchObject({ received_id: 1, read_id: 0 });

    // A repeat, or a lower mark, changes nothing and tells no one.
    bia!.client.send('received', { chat_id: dm, message_id: 1 });
    await settle(ana!.client, bia!.client);
    expect(seen(ana!.client, 'delivered_receipt', dm)).toHaveLength(1);

    bia!.client.send('read_receipt', { chat_id: dm, message_id: 1 });
    expect(await ana!.client.next('read_receipt', (f) => f.chat_id === dm)).toMatchObject({ user_id: bia!.userId });
    expect(await receiptsOf(ana!.client, dm)).toMatchObject({ received_id: 1, read_id: 1 });

    // The chat list carries the same marks.
    const chats = await api<{ chats: Array<Record<string, unknown>> }>(server.url, '/api/chats', {
      token: ana!.token,
    });
    expect(chats.body.chats.find((c) => c.chat_id === dm)).toMatchObject({ received_id: 1, read_id: 1 });
  });

  it('a read implies received: one read_receipt raises both marks, and no delivered_receipt is sent for it', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    await sendText(ana!.client, dm, 'a');
    await sendText(ana!.client, dm, 'b');
    bia!.client.send('read_receipt', { chat_id: dm, message_id: 2 });
    expect(await receiptsOf(ana!.client, dm)).toMatchObject({ received_id: 2, read_id: 2 });
    expect(await redis.hget(`${P}${keys.received(dm)}`, bia!.userId)).toBe('2');
    await settle(ana!.client);
    expect(seen(ana!.client, 'delivered_receipt', dm)).toHaveLength(0);
  });

  it('refuses a mark above the last id, and a stranger learns nothing of the DM', async () => {
    const [ana, bia, eve] = await users(server, 3);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    await sendText(ana!.client, dm);
    await expectError(bia!.client, 'received', { chat_id: dm, message_id: 2 }, 'invalid_payload');
    await expectError(eve!.client, 'received', { chat_id: dm, message_id: 1 }, 'not_found');
    await expectError(bia!.client, 'received', { chat_id: dm, message_id: 0 }, 'invalid_payload');
    expect(await redis.hget(`${P}${keys.received(dm)}`, bia!.userId)).toBeNull();
    expect((await info(eve!, dm, 1)).status).toBe(404);
  });

  it('message info: the sender sees who read and received it, and when; the peer may not ask', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    await sendText(ana!.client, dm, 'one');
    const before = await info(ana!, dm, 1);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ read: [], delivered: [], pending: [bia!.userId] });

    bia!.client.send('received', { chat_id: dm, message_id: 1 });
    await receiptsOf(ana!.client, dm);
    const delivered = await info(ana!, dm, 1);
    expect(delivered.body).toEqual({
      read: [],
      delivered: [{ user_id: bia!.userId, at: expect.any(Number) }],
      pending: [],
    });
    bia!.client.send('read_receipt', { chat_id: dm, message_id: 1 });
    await receiptsOf(ana!.client, dm);
    const read = await info(ana!, dm, 1);
    expect(read.body).toEqual({ read: [{ user_id: bia!.userId, at: expect.any(Number) }], delivered: [], pending: [] });
    expect(read.body.read[0]!.at).toBeGreaterThanOrEqual(delivered.body.delivered[0]!.at);

    expect((await info(bia!, dm, 1)).status).toBe(404);
    expect((await info(ana!, dm, 2)).status).toBe(404);
    expect((await api(server.url, `/api/chats/${dm}/messages/x1/receipts`, { token: ana!.token })).status).toBe(404);
  });
});

describe('received and read in a group', () => {
  it('the lowest mark waits for every member; members and the sender agree', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const chatId = await group(ana!, [bia!, caio!]);
    const sent = await sendText(ana!.client, chatId, 'hi all');
    const id = sent.server_msg_id;
    bia!.client.send('received', { chat_id: chatId, message_id: id });
    await ana!.client.next('delivered_receipt', (f) => f.chat_id === chatId && f.user_id === bia!.userId);
    await settle(ana!.client);
    // Caio's device does not have it yet: not delivered to everyone.
    expect(seen(ana!.client, 'chat_receipts', chatId).filter((f) => f.received_id >= id)).toHaveLength(0);
    expect((await info(ana!, chatId, id)).body).toEqual({
      read: [],
      delivered: [{ user_id: bia!.userId, at: expect.any(Number) }],
      pending: [caio!.userId],
    });

    caio!.client.send('received', { chat_id: chatId, message_id: id });
    expect(await ana!.client.next('chat_receipts', (f) => f.chat_id === chatId && f.received_id >= id)).toMatchObject({
      received_id: id,
    });
    // An admin may look at anyone's message; a plain member only at their own.
    await sendText(bia!.client, chatId, 'from bia');
    expect((await info(ana!, chatId, id + 1)).status).toBe(200);
    expect((await info(caio!, chatId, id + 1)).status).toBe(404);
    expect((await info(bia!, chatId, id + 1)).status).toBe(200);
    // A system message has no receipts.
    expect((await info(ana!, chatId, 1)).status).toBe(404);
  });

  it('a member who holds the chat back and is removed lets its marks rise; a newcomer starts at their arrival', async () => {
    const [ana, bia, caio, dani] = await users(server, 4);
    const chatId = await group(ana!, [bia!, caio!]);
    const { server_msg_id: id } = await sendText(ana!.client, chatId);
    bia!.client.send('read_receipt', { chat_id: chatId, message_id: id });
    await ana!.client.next('read_receipt', (f) => f.chat_id === chatId);
    const removed = await ana!.client.request('remove_member', { chat_id: chatId, user_id: caio!.userId });
    expect(removed.type).toBe('member_removed');
    expect(await ana!.client.next('chat_receipts', (f) => f.chat_id === chatId && f.read_id >= id)).toMatchObject({
      received_id: id,
      read_id: id,
    });
    expect(await redis.zscore(`${P}${keys.readMarks(chatId)}`, caio!.userId)).toBeNull();

    // Dani joins later: messages before her arrival are not hers to receive; her marks start there.
    const added = await ana!.client.request('add_members', { chat_id: chatId, user_ids: [dani!.userId] });
    expect(added.type).toBe('members_added');
    const joinedAt = Number(await redis.zscore(`${P}${keys.joined(chatId)}`, dani!.userId));
    expect(Number(await redis.zscore(`${P}${keys.receivedMarks(chatId)}`, dani!.userId))).toBe(joinedAt);
    expect((await info(ana!, chatId, id)).body.pending).toEqual([]);
  });

  it(`above ${FANOUT_MAX} members: no per-user receipt events, only chat_receipts when the lowest rises`, async () => {
    const [ana, ...others] = await users(server, FANOUT_MAX + 1);
    const chatId = await group(ana!, others);
    const { server_msg_id: id } = await sendText(ana!.client, chatId);
    for (const member of others) member.client.send('read_receipt', { chat_id: chatId, message_id: id });
    expect(await ana!.client.next('chat_receipts', (f) => f.chat_id === chatId && f.read_id >= id)).toMatchObject({
      received_id: id,
      read_id: id,
    });
    await settle(ana!.client, ...others.map((o) => o.client));
    expect(seen(ana!.client, 'read_receipt', chatId)).toHaveLength(0);
    expect(seen(ana!.client, 'delivered_receipt', chatId)).toHaveLength(0);
    // Told once: the lowest rose once, whatever the number of members who raised their marks.
    expect(seen(ana!.client, 'chat_receipts', chatId).filter((f) => f.read_id >= id)).toHaveLength(1);
    expect(seen(others[0]!.client, 'chat_receipts', chatId).filter((f) => f.read_id >= id)).toHaveLength(1);
    // Message info still knows who read it.
    expect((await info(ana!, chatId, id)).body.read.map((r) => r.user_id).sort()).toEqual(
      others.map((o) => o.userId).sort(),
    );
  });

  it('a chat from before the ordered marks gets them from its hashes on the next receipt', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    await sendText(ana!.client, dm);
    await sendText(ana!.client, dm);
    await redis.del(`${P}${keys.readMarks(dm)}`, `${P}${keys.receivedMarks(dm)}`);
    bia!.client.send('received', { chat_id: dm, message_id: 2 });
    expect(await receiptsOf(ana!.client, dm)).toMatchObject({ received_id: 2, read_id: 0 });
    expect(await redis.zscore(`${P}${keys.readMarks(dm)}`, ana!.userId)).toBe('2');
  });
});

describe('public chats', () => {
  it('have no ticks: received is kept but tells no one, and message info is 404', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await createPublicChat(ana!.client);
    await joinChat(bia!.client, chatId);
    await sendText(ana!.client, chatId);
    bia!.client.send('received', { chat_id: chatId, message_id: 1 });
    await vi.waitFor(async () => expect(await redis.hget(`${P}${keys.received(chatId)}`, bia!.userId)).toBe('1'));
    await settle(ana!.client);
    expect(seen(ana!.client, 'delivered_receipt', chatId)).toHaveLength(0);
    expect(seen(ana!.client, 'chat_receipts', chatId)).toHaveLength(0);
    expect(await redis.exists(`${P}${keys.readMarks(chatId)}`)).toBe(0);
    expect((await info(ana!, chatId, 1)).status).toBe(404);
  });
});

describe('abuse', () => {
  it('a storm of receipts tells the members once per rise: repeats and lower marks cost no event', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = (await createDm(ana!.client, bia!.userId)).chat_id;
    for (let i = 0; i < 3; i++) await sendText(ana!.client, dm);
    for (let i = 0; i < 100; i++) {
      bia!.client.send('received', { chat_id: dm, message_id: 1 + (i % 3) });
      bia!.client.send('read_receipt', { chat_id: dm, message_id: 1 + (i % 2) });
    }
    await settle(bia!.client, ana!.client);
    // Marks only rise: at most one event per id and kind, whatever the number of frames.
    expect(seen(ana!.client, 'delivered_receipt', dm).length).toBeLessThanOrEqual(3);
    expect(seen(ana!.client, 'read_receipt', dm).length).toBeLessThanOrEqual(2);
    expect(seen(ana!.client, 'chat_receipts', dm).length).toBeLessThanOrEqual(5);
    expect(await redis.hget(`${P}${keys.received(dm)}`, bia!.userId)).toBe('3');
    expect(await redis.hget(`${P}${keys.reads(dm)}`, bia!.userId)).toBe('2');
  });

  it('a member who left a group cannot raise marks there, and its message info stays closed to them', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await group(ana!, [bia!]);
    const { server_msg_id: id } = await sendText(bia!.client, chatId);
    expect((await bia!.client.request('leave_chat', { chat_id: chatId })).type).toBe('left');
    await expectError(bia!.client, 'received', { chat_id: chatId, message_id: id }, 'not_found');
    await expectError(bia!.client, 'read_receipt', { chat_id: chatId, message_id: id }, 'not_found');
    expect((await info(bia!, chatId, id)).status).toBe(404);
    // The one who left no longer holds the chat's marks back.
    expect(await redis.zscore(`${P}${keys.receivedMarks(chatId)}`, bia!.userId)).toBeNull();
  });

  it('message info of a group is bounded by its members and costs the caller a page of the read budget', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await group(ana!, [bia!]);
    const { server_msg_id: id } = await sendText(ana!.client, chatId);
    const before = Number((await redis.get(`${P}rate:reads:${ana!.userId}`)) ?? 0);
    expect((await info(ana!, chatId, id)).status).toBe(200);
    expect(Number(await redis.get(`${P}rate:reads:${ana!.userId}`))).toBe(before + 1);
  });
});

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, deliveredIds, groupChat, joinChat, sendText } from './helpers/chat-actions.js';
import { isAlive } from './helpers/ports.js';
import { keys, redisClient, storedMessages } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { secondConnection, users } from './helpers/session.js';
import { connectOnWorker, usersAcrossWorkers, workerOf } from './helpers/workers.js';
import type { TestClient } from './helpers/ws-client.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ workers: 2 });
  redis = redisClient();
  expect(server.workerPids).toHaveLength(2);
});

const SENDERS = 5;
const PER_SENDER = 10;

describe('WORKERS=2: one chat, many concurrent senders', () => {
  it('every connection sees ids 1..N once each, in order; the list matches', async () => {
    // Senders and receivers alternate between the two workers.
    const senders = await usersAcrossWorkers(server, SENDERS);
    const receivers = await usersAcrossWorkers(server, 3);
    const extra = await secondConnection(server, receivers[0]!);
    const chatId = await groupChat(
      senders[0]!.client,
      [...senders.slice(1), ...receivers].map((s) => s.client),
    );
    const everyone: TestClient[] = [...senders, ...receivers].map((s) => s.client).concat(extra);

    expect(new Set(senders.map((s) => s.pid)).size).toBe(2);
    expect(new Set(receivers.map((s) => s.pid)).size).toBe(2);

    const total = SENDERS * PER_SENDER;
    // Fire everything without waiting, then collect the acks.
    const acks = senders.flatMap((s, si) =>
      Array.from({ length: PER_SENDER }, (_, i) => {
        const clientMsgId = `s${si}-m${i}`;
        s.client.send('send_message', { chat_id: chatId, body: `from ${si}: ${i}`, client_msg_id: clientMsgId });
        return s.client.next('ack', (a) => a.client_msg_id === clientMsgId, 15_000);
      }),
    );
    const acked = await Promise.all(acks);
    const ackIds = acked.map((a) => a.server_msg_id).sort((a, b) => a - b);
    expect(ackIds).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const expected = Array.from({ length: total }, (_, i) => i + 1);
    for (const client of everyone) {
      await client.collect('message_created', total, (e) => e.chat_id === chatId, 15_000);
      expect(deliveredIds(client, chatId)).toEqual(expected);
    }

    const stored = await storedMessages(redis, chatId);
    expect(stored.map((m) => m.id)).toEqual(expected);
    expect(Number(await redis.hget(keys.chat(chatId), 'last_id'))).toBe(total);
    // Each ack names the stored message carrying its client_msg_id.
    const byClientId = new Map(stored.map((m) => [m.client_msg_id, m.id]));
    for (const ack of acked) expect(byClientId.get(ack.client_msg_id)).toBe(ack.server_msg_id);
    // What every receiver got is exactly what is stored.
    const delivered = everyone[SENDERS]!.all('message_created').filter((e) => e.chat_id === chatId);
    expect(delivered.map((e) => e.message)).toEqual(stored);
  });

  it('the same client_msg_id sent at once from two connections (two workers) is stored once', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const anaPid = await workerOf(server, ana!.client);
    const other = await connectOnWorker(
      server,
      async () => ({ client: await secondConnection(server, ana!) }),
      (pid) => pid !== anaPid,
    );
    const ana2 = other.client;

    for (let round = 0; round < 5; round++) {
      const clientMsgId = `dup-${round}`;
      const data = { chat_id: chatId, body: `dup ${round}`, client_msg_id: clientMsgId };
      const [a, b] = await Promise.all([ana!.client.request('send_message', data), ana2.request('send_message', data)]);
      expect(a).toMatchObject({ type: 'ack', client_msg_id: clientMsgId, server_msg_id: round + 1 });
      expect(b).toMatchObject({ type: 'ack', client_msg_id: clientMsgId, server_msg_id: round + 1 });
    }
    expect(await redis.llen(keys.messages(chatId))).toBe(5);
    const got = await bia!.client.collect('message_created', 5, (e) => e.chat_id === chatId);
    expect(got.map((e) => e.message.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('concurrent joins from both workers: each member announced once to the owner', async () => {
    const [owner, ...joiners] = await users(server, 6);
    const chatId = await groupChat(owner!.client, []);
    await Promise.all(joiners.map((j) => j.client.request('join_chat', { chat_id: chatId })));
    const added = await owner!.client.collect('chat_member_added', joiners.length, (e) => e.chat_id === chatId);
    expect(added.map((e) => e.user_id).sort()).toEqual(joiners.map((j) => j.userId).sort());
    expect(await redis.scard(keys.members(chatId))).toBe(joiners.length + 1);
  });
});

describe('WORKERS=2: new chats reach every open connection, whichever worker holds it', () => {
  it('a DM and a join are delivered at once to the user’s connections on both workers', async () => {
    const [ana, bia] = await usersAcrossWorkers(server, 2);
    const biaOther = await connectOnWorker(
      server,
      async () => ({ client: await secondConnection(server, bia!) }),
      (pid) => pid !== bia!.pid,
    );
    const biaClients = [bia!.client, biaOther.client];

    const dm = await createDm(ana!.client, bia!.userId);
    for (const client of biaClients) {
      expect(await client.next('dm_ready')).toMatchObject({ chat_id: dm.chat_id, peer_user_id: ana!.userId });
    }
    const inDm = await sendText(ana!.client, dm.chat_id, 'dm across workers');
    for (const client of biaClients) {
      await client.next('message_created', (e) => e.chat_id === dm.chat_id && e.message.id === inDm.server_msg_id);
    }

    const room = await createPublicChat(ana!.client);
    await joinChat(bia!.client, room); // joined on one worker; the other connection follows too
    const inRoom = await sendText(ana!.client, room, 'room across workers');
    for (const client of biaClients) {
      await client.next('message_created', (e) => e.chat_id === room && e.message.id === inRoom.server_msg_id);
    }
  });
});

describe('lifecycle', () => {
  it('SIGTERM stops the primary and every worker cleanly', async () => {
    const own = await startServer({ workers: 2 });
    const workerPids = own.liveWorkerPids();
    expect(workerPids).toHaveLength(2);
    expect(await own.stop()).toEqual({ code: 0, signal: null, leftoverWorkers: [] });
    for (const pid of workerPids) expect(isAlive(pid), `worker ${pid}`).toBe(false);
  });
});

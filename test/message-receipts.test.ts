import type { MessageReceipts } from '@papo/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, createPublicChat, joinChat, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';

// Contract section 10: message info, GET /api/chats/:chat_id/messages/:id/receipts.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ env: { REDIS_KEY_PREFIX: `${uniq('receipts')}:` } });
});

function receipts(session: Session, chatId: string, id: number | string) {
  return api<MessageReceipts>(server.url, `/api/chats/${chatId}/messages/${id}/receipts`, { token: session.token });
}

async function createGroup(owner: Session, members: Session[]): Promise<string> {
  const reply = await owner.client.request('create_group', {
    title: uniq('g-'),
    member_ids: members.map((m) => m.userId),
  });
  return reply.chat_id as string;
}

describe('message info', () => {
  it('a group: read, delivered and pending members with the second each got there; the sender left out', async () => {
    const [ana, bruno, carla, dani] = await users(server, 4);
    const chatId = await createGroup(ana!, [bruno!, carla!, dani!]);
    const { server_msg_id: id } = await sendText(ana!.client, chatId, 'Reunião às 19h');
    const before = Math.floor(Date.now() / 1000);

    let answer = await receipts(ana!, chatId, id);
    expect(answer.status).toBe(200);
    expect(answer.body.read).toEqual([]);
    expect(answer.body.delivered).toEqual([]);
    expect([...answer.body.pending].sort()).toEqual([bruno!.userId, carla!.userId, dani!.userId].sort());

    bruno!.client.send('read_receipt', { chat_id: chatId, message_id: id });
    carla!.client.send('received', { chat_id: chatId, message_id: id });
    await ana!.client.next('delivered_receipt', (f) => f.chat_id === chatId && f.user_id === carla!.userId);
    await ana!.client.next('read_receipt', (f) => f.chat_id === chatId && f.user_id === bruno!.userId);

    answer = await receipts(ana!, chatId, id);
    expect(answer.body.read.map((r) => r.user_id)).toEqual([bruno!.userId]);
    expect(answer.body.delivered.map((r) => r.user_id)).toEqual([carla!.userId]);
    expect(answer.body.pending).toEqual([dani!.userId]);
    for (const entry of [...answer.body.read, ...answer.body.delivered]) {
      expect(entry.at).toBeGreaterThanOrEqual(before - 1);
      expect(entry.at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    }

    // A plain member may not see it of another's message; the group's owner may of anyone's.
    const { server_msg_id: brunoId } = await sendText(bruno!.client, chatId, 'Vou sim');
    expect((await receipts(carla!, chatId, id)).status).toBe(404);
    const ownerView = await receipts(ana!, chatId, brunoId);
    expect(ownerView.status).toBe(200);
    expect(ownerView.body.pending).not.toContain(bruno!.userId);
    // Unknown message, malformed id, a stranger: 404.
    expect((await receipts(ana!, chatId, 999)).status).toBe(404);
    expect((await receipts(ana!, chatId, 'x')).status).toBe(404);
    const [eve] = await users(server, 1);
    expect((await receipts(eve!, chatId, id)).status).toBe(404);
  });

  it('a DM: the peer; a public chat: none (404)', async () => {
    const [ana, bruno] = await users(server, 2);
    const { chat_id: dm } = await createDm(ana!.client, bruno!.userId);
    const { server_msg_id: id } = await sendText(ana!.client, dm, 'Oi');
    bruno!.client.send('read_receipt', { chat_id: dm, message_id: id });
    await ana!.client.next('read_receipt', (f) => f.chat_id === dm);
    const answer = await receipts(ana!, dm, id);
    expect(answer.body).toMatchObject({ delivered: [], pending: [] });
    expect(answer.body.read.map((r) => r.user_id)).toEqual([bruno!.userId]);

    const chatId = await createPublicChat(ana!.client);
    await joinChat(bruno!.client, chatId);
    const { server_msg_id: publicId } = await sendText(ana!.client, chatId, 'Olá a todos');
    expect((await receipts(ana!, chatId, publicId)).status).toBe(404);
  });
});

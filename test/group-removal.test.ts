import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, type Session, secondConnection } from './helpers/session.js';

// Issue 18: removal is a security boundary. A member removed on one instance, connected to another (with two
// connections there, on two workers), receives nothing of the group after the remover's `member_removed`
// reply: no message, no typing, no receipt, no member event; and cannot sync, page the history past their
// removal, or read the group over HTTP.

let one: ServerProcess;
let two: ServerProcess;

beforeAll(async () => {
  [one, two] = await Promise.all([startServer({ workers: 2 }), startServer({ workers: 2 })]);
});

describe('a removed member', () => {
  it('gets chat_removed and then nothing of the group, on every connection, on another instance', async () => {
    const ana = await connectAuthed(one, uniq('ana-'));
    const bruno = await connectAuthed(one, uniq('bruno-'));
    const carla: Session = await connectAuthed(two, uniq('carla-'));
    const carlaAgain = await secondConnection(two, carla);
    const created = await ana.client.request('create_group', {
      title: 'boundary',
      member_ids: [bruno.userId, carla.userId],
    });
    const chatId = created.chat_id as string;
    for (const client of [carla.client, carlaAgain]) await client.next('chat_added', (f) => f.chat_id === chatId);
    await sendText(carla.client, chatId, 'before');
    const before = await sendText(ana.client, chatId, 'seen by carla');
    for (const client of [carla.client, carlaAgain]) {
      await client.next('message_created', (f) => f.chat_id === chatId && f.message.id === before.server_msg_id);
    }

    const reply = await ana.client.request('remove_member', { chat_id: chatId, user_id: carla.userId });
    expect(reply).toMatchObject({ type: 'member_removed', user_id: carla.userId });
    const marks = [carla.client.all().length, carlaAgain.all().length];
    // Everything a group does after the reply, from both other members and both instances.
    const after = await sendText(ana.client, chatId, 'after the removal');
    await bruno.client.next('message_created', (f) => f.chat_id === chatId && f.message.id === after.server_msg_id);
    bruno.client.send('read_receipt', { chat_id: chatId, message_id: after.server_msg_id });
    await ana.client.next('read_receipt', (f) => f.chat_id === chatId && f.user_id === bruno.userId);
    await sendText(bruno.client, chatId, 'and another');
    ana.client.send('typing', { chat_id: chatId, is_typing: true });
    await ana.client.request('update_chat', { chat_id: chatId, title: 'renamed' });
    const [dana] = [await connectAuthed(two, uniq('dana-'))];
    await ana.client.request('add_members', { chat_id: chatId, user_ids: [dana.userId] });
    // A barrier: Dana, on Carla's instance, has everything above once she has the last system message.
    await dana.client.next(
      'message_created',
      (f) => f.chat_id === chatId && f.message.system?.event === 'member_added',
    );
    await bruno.client.next('typing', (f) => f.chat_id === chatId && f.user_id === ana.userId);

    for (const [i, client] of [carla.client, carlaAgain].entries()) {
      const late = client.all().slice(marks[i]);
      const ofGroup = late.filter((f) => f.chat_id === chatId);
      // Only the news of the removal itself (on the user's own channel) may come.
      expect(ofGroup.map((f) => f.type)).toEqual(ofGroup.length ? ['chat_removed'] : []);
    }
    // chat_removed reached both connections.
    for (const client of [carla.client, carlaAgain]) await client.next('chat_removed', (f) => f.chat_id === chatId);

    // Nothing to read either way.
    await expectError(carla.client, 'sync', { chat_id: chatId, after_id: 0 }, 'not_found');
    await expectError(carla.client, 'sync', { chat_id: chatId, after_id: before.server_msg_id }, 'not_found');
    await expectError(carla.client, 'send_message', { chat_id: chatId, body: 'still here?' }, 'not_found');
    await expectError(carla.client, 'typing', { chat_id: chatId, is_typing: true }, 'not_found');
    const history = await api(two.url, `/api/chats/${chatId}/messages`, { token: carla.token });
    expect(history.status).toBe(404);
    expect((await api(two.url, `/api/chats/${chatId}`, { token: carla.token })).status).toBe(404);
    const list = await api(two.url, '/api/chats', { token: carla.token });
    expect(list.body.chats.map((c: { chat_id: string }) => c.chat_id)).not.toContain(chatId);
  });
});

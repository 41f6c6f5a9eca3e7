import { beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { nextEvent, onlineClient } from './sdk-helpers.js';

// The SDK's side of groups (contract section 9): the methods, the events a member's client gets as the
// group changes, and what stays in the client once the user is removed.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
});

describe('groups through the SDK', () => {
  it('create, add, promote, rename, invite, remove: each seen by the other clients as events', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const bruno = await onlineClient(server.url, 'Bruno');
    const carla = await onlineClient(server.url, 'Carla');
    const brunoId = (await bruno.me()).user_id;
    const carlaId = (await carla.me()).user_id;

    const added = nextEvent(bruno, 'chat_added');
    const created = await ana.createGroup({ title: 'Família', member_ids: [brunoId], description: 'nós' });
    expect(created).toMatchObject({ kind: 'group', title: 'Família' });
    const chatId = created.chat_id;
    expect(await added).toMatchObject({ chat_id: chatId, kind: 'group' });
    // Bruno's client has the `created` system message, in order, without asking.
    await waitFor(
      async () => bruno.messages(chatId).map((m) => m.system?.event),
      (events) => events[0] === 'created',
      { what: 'the created system message in Bruno’s log' },
    );

    const role = nextEvent(bruno, 'chat_member_role', (e) => e.user_id === brunoId);
    await ana.setRole(chatId, brunoId, 'admin');
    expect(await role).toMatchObject({ role: 'admin' });
    const carlaAdded = nextEvent(carla, 'chat_added');
    expect(await bruno.addMembers(chatId, [carlaId])).toMatchObject({ user_ids: [carlaId] });
    await carlaAdded;
    const renamed = nextEvent(carla, 'chat_updated');
    await ana.updateChat(chatId, { title: 'Família Silva' });
    expect(await renamed).toMatchObject({ title: 'Família Silva' });

    const info = await carla.chatInfo(chatId);
    expect(info.members?.map((m) => m.role)).toEqual(['owner', 'admin', 'member']);
    const list = await carla.chats();
    expect(list.find((c) => c.chat_id === chatId)).toMatchObject({ kind: 'group', role: 'member', unread_count: 0 });

    const invite = await ana.createInvite(chatId, { max_uses: 5 });
    expect(await carla.invitePreview(invite.code)).toMatchObject({ chat_id: chatId, member_count: 3 });
    expect(await ana.invites(chatId)).toHaveLength(1);

    const removed = nextEvent(carla, 'chat_removed');
    await bruno.removeMember(chatId, carlaId);
    expect(await removed).toMatchObject({ chat_id: chatId, by: (await bruno.me()).user_id });
    // What Carla had stays in her client, read-only; the server has nothing more for her.
    expect(carla.messages(chatId).length).toBeGreaterThan(0);
    await expect(carla.chatInfo(chatId)).rejects.toMatchObject({ code: 'not_found' });
    const joined = await carla.joinByInvite(invite.code);
    expect(joined.chat_id).toBe(chatId);
  });
});

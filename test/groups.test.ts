import type { ChatInfo } from '@papo/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, sendText, sync } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';
import type { Frame, TestClient } from './helpers/ws-client.js';

// Contract section 9: private groups, roles, system messages, invites.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ env: { REDIS_KEY_PREFIX: `${uniq('groups')}:` } });
});

async function createGroup(owner: Session, members: Session[], title = uniq('group-')): Promise<string> {
  const reply = await owner.client.request('create_group', {
    title,
    member_ids: members.map((m) => m.userId),
    description: 'for tests',
  });
  expect(reply, JSON.stringify(reply)).toMatchObject({ type: 'chat_created', kind: 'group', title });
  return reply.chat_id as string;
}

function info(session: Session, chatId: string) {
  return api<ChatInfo>(server.url, `/api/chats/${chatId}`, { token: session.token });
}

function systemOf(frame: Frame) {
  return (frame.message as { system?: Record<string, unknown> }).system;
}

async function nextSystem(client: TestClient, chatId: string, event: string): Promise<Frame> {
  return client.next('message_created', (f) => f.chat_id === chatId && systemOf(f)?.event === event);
}

describe('create_group', () => {
  it('makes a private group: the caller owns it, the members see it at once with its first system message', async () => {
    const [ana, bruno, carla] = await users(server, 3);
    const chatId = await createGroup(ana!, [bruno!, carla!]);
    const added = await bruno!.client.next('chat_added', (f) => f.chat_id === chatId);
    expect(added).toMatchObject({ kind: 'group', by: ana!.userId });
    const created = await carla!.client.next('message_created', (f) => f.chat_id === chatId);
    expect(created.message).toMatchObject({ id: 1, msg_type: 'system', body: '', sender_id: ana!.userId });
    expect(systemOf(created)).toMatchObject({ event: 'created', by: ana!.userId });

    const { status, body } = await info(bruno!, chatId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'group', description: 'for tests', member_count: 3, role: 'member' });
    expect(body.members?.[0]).toMatchObject({ user_id: ana!.userId, role: 'owner' });

    const list = await api(server.url, '/api/chats', { token: carla!.token });
    const row = list.body.chats.find((c: { chat_id: string }) => c.chat_id === chatId);
    expect(row).toMatchObject({ kind: 'group', role: 'member', member_count: 3, unread_count: 0 });

    // Not in the directory, and a stranger learns nothing of it.
    const [dana] = await users(server, 1);
    expect((await info(dana!, chatId)).status).toBe(404);
    await expectError(dana!.client, 'send_message', { chat_id: chatId, body: 'hi' }, 'not_found');
    await expectError(dana!.client, 'join_chat', { chat_id: chatId }, 'not_found');
  });
});

describe('roles and removal', () => {
  it('admins add and remove members; the removed get chat_removed and nothing after it', async () => {
    const [ana, bruno, carla, dana] = await users(server, 4);
    const chatId = await createGroup(ana!, [bruno!]);
    await bruno!.client.next('chat_added', (f) => f.chat_id === chatId);
    // A plain member may not add.
    await expectError(bruno!.client, 'add_members', { chat_id: chatId, user_ids: [carla!.userId] }, 'forbidden');
    expect(
      await ana!.client.request('set_role', { chat_id: chatId, user_id: bruno!.userId, role: 'admin' }),
    ).toMatchObject({
      type: 'role_set',
    });
    const added = await bruno!.client.request('add_members', {
      chat_id: chatId,
      user_ids: [carla!.userId, dana!.userId],
    });
    expect(added).toMatchObject({ type: 'members_added', user_ids: [carla!.userId, dana!.userId] });
    await carla!.client.next('chat_added', (f) => f.chat_id === chatId);
    // Carla reads from her arrival: the system message that added her, not before.
    const page = await sync(carla!.client, chatId, 0);
    expect(page.messages[0]).toMatchObject({ msg_type: 'system', system: { event: 'member_added' } });

    // An admin does not remove the owner.
    await expectError(bruno!.client, 'remove_member', { chat_id: chatId, user_id: ana!.userId }, 'forbidden');
    const removed = await bruno!.client.request('remove_member', { chat_id: chatId, user_id: carla!.userId });
    expect(removed).toMatchObject({ type: 'member_removed', user_id: carla!.userId });
    await carla!.client.next('chat_removed', (f) => f.chat_id === chatId);
    const before = carla!.client.all().length;
    await sendText(ana!.client, chatId, 'after the removal');
    ana!.client.send('typing', { chat_id: chatId, is_typing: true });
    await dana!.client.next('message_created', (f) => f.chat_id === chatId && f.message.body === 'after the removal');
    const late = carla!.client
      .all()
      .slice(before)
      .filter((f) => f.chat_id === chatId);
    expect(late).toEqual([]);
    await expectError(carla!.client, 'sync', { chat_id: chatId, after_id: 0 }, 'not_found');
    expect((await info(carla!, chatId)).status).toBe(404);
  });

  it('the owner leaving hands the group to the oldest admin', async () => {
    const [ana, bruno, carla] = await users(server, 3);
    const chatId = await createGroup(ana!, [bruno!, carla!]);
    await ana!.client.request('set_role', { chat_id: chatId, user_id: carla!.userId, role: 'admin' });
    expect(await ana!.client.request('leave_chat', { chat_id: chatId })).toMatchObject({ type: 'left' });
    const role = await bruno!.client.next('chat_member_role', (f) => f.chat_id === chatId && f.role === 'owner');
    expect(role.user_id).toBe(carla!.userId);
    const { body } = await info(bruno!, chatId);
    expect(body.members?.map((m) => m.role)).toEqual(['owner', 'member']);
  });
});

describe('invites', () => {
  it('a live code previews and joins; a revoked one is gone', async () => {
    const [ana, bruno] = await users(server, 2);
    const chatId = await createGroup(ana!, []);
    const invite = await ana!.client.request('create_invite', { chat_id: chatId, max_uses: 1 });
    expect(invite).toMatchObject({ type: 'invite_created', max_uses: 1 });
    const code = invite.code as string;
    const preview = await api(server.url, `/api/invites/${code}`, { token: bruno!.token });
    expect(preview.body).toMatchObject({ chat_id: chatId, member_count: 1 });
    expect(await bruno!.client.request('join_chat', { invite_code: code })).toMatchObject({
      type: 'joined',
      chat_id: chatId,
    });
    await nextSystem(ana!.client, chatId, 'joined_by_invite');
    // Used up.
    expect((await api(server.url, `/api/invites/${code}`, { token: bruno!.token })).status).toBe(404);
    const second = await ana!.client.request('create_invite', { chat_id: chatId });
    await ana!.client.request('revoke_invite', { chat_id: chatId, code: second.code as string });
    const [carla] = await users(server, 1);
    await expectError(carla!.client, 'join_chat', { invite_code: second.code }, 'not_found');
  });
});

describe('update_chat', () => {
  it('changes the title for every member, with a system message', async () => {
    const [ana, bruno] = await users(server, 2);
    const chatId = await createGroup(ana!, [bruno!]);
    await bruno!.client.next('chat_added', (f) => f.chat_id === chatId);
    const reply = await ana!.client.request('update_chat', { chat_id: chatId, title: 'Família' });
    expect(reply).toMatchObject({ type: 'chat_updated', title: 'Família' });
    await bruno!.client.next('chat_updated', (f) => f.chat_id === chatId && f.title === 'Família');
    const sys = await nextSystem(bruno!.client, chatId, 'info_changed');
    expect(systemOf(sys)).toMatchObject({ title: 'Família', by: ana!.userId });
    await expectError(bruno!.client, 'update_chat', { chat_id: chatId, title: 'x' }, 'forbidden');
  });
});

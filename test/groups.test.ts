import { type ChatInfo, LIMITS } from '@papo/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, sendText, sync } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, secondConnection, users } from './helpers/session.js';
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

describe('the creator’s connection', () => {
  it('gets the group’s first message every time, though others on the server attached to the group first', async () => {
    const [ana, bruno] = await users(server, 2);
    const anaElsewhere = await secondConnection(server, ana!);
    for (let i = 0; i < 30; i++) {
      const chatId = await createGroup(ana!, [bruno!]);
      const first = await ana!.client.next('message_created', (f) => f.chat_id === chatId);
      expect(first.message.id, `creation ${i}`).toBe(1);
      await anaElsewhere.next('chat_created', (f) => f.chat_id === chatId);
    }
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

describe('invite limits', () => {
  it(`a group holds at most ${LIMITS.invitesPerGroupMax} live invites; revoking one makes room`, async () => {
    const [ana] = await users(server, 1);
    const chatId = await createGroup(ana!, []);
    const codes: string[] = [];
    for (let i = 0; i < LIMITS.invitesPerGroupMax; i++) {
      const reply = await ana!.client.request('create_invite', { chat_id: chatId, expires_in_s: 3600 });
      expect(reply.type, JSON.stringify(reply)).toBe('invite_created');
      codes.push(reply.code as string);
    }
    await expectError(ana!.client, 'create_invite', { chat_id: chatId }, 'forbidden');
    const listed = await api(server.url, `/api/chats/${chatId}/invites`, { token: ana!.token });
    expect(listed.body.invites).toHaveLength(LIMITS.invitesPerGroupMax);
    await ana!.client.request('revoke_invite', { chat_id: chatId, code: codes[0]! });
    expect((await ana!.client.request('create_invite', { chat_id: chatId })).type).toBe('invite_created');
    // Who joined through a link is listed with it.
    const [bruno] = await users(server, 1);
    await bruno!.client.request('join_chat', { invite_code: codes[1]! });
    const after = await api(server.url, `/api/chats/${chatId}/invites`, { token: ana!.token });
    const used = after.body.invites.find((i: { code: string }) => i.code === codes[1]);
    expect(used).toMatchObject({ uses: 1, joined: [bruno!.userId], created_by: ana!.userId });
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

describe('abuse', () => {
  let strict: ServerProcess;
  beforeAll(async () => {
    strict = await startServer({
      env: { REDIS_KEY_PREFIX: `${uniq('groups-strict')}:`, MAX_GROUP_MEMBERS: '4', GROUP_CHANGES_PER_HOUR: '12' },
    });
  });

  it('outsiders learn nothing, members cannot manage, admins cannot touch the owner or each other', async () => {
    const [ana, bruno, carla, dana] = await users(strict, 4);
    const create = await ana!.client.request('create_group', {
      title: 'g',
      member_ids: [bruno!.userId, carla!.userId],
    });
    const chatId = create.chat_id as string;
    const manage = (id: string) =>
      [
        ['add_members', { chat_id: chatId, user_ids: [id] }],
        ['remove_member', { chat_id: chatId, user_id: id }],
        ['set_role', { chat_id: chatId, user_id: id, role: 'admin' }],
        ['update_chat', { chat_id: chatId, title: 'mine now' }],
        ['create_invite', { chat_id: chatId }],
        ['revoke_invite', { chat_id: chatId, code: 'Xk3Jd9QpL2vR8sTq1wYzAa' }],
        ['leave_chat', { chat_id: chatId }],
      ] as const;
    // A stranger: not_found for everything, as for a chat that does not exist.
    for (const [action, data] of manage(bruno!.userId)) await expectError(dana!.client, action, data, 'not_found');
    for (const path of [`/api/chats/${chatId}`, `/api/chats/${chatId}/invites`]) {
      expect((await api(strict.url, path, { token: dana!.token })).status, path).toBe(404);
    }
    // A plain member: forbidden for every management action.
    for (const [action, data] of manage(carla!.userId).slice(0, 5)) {
      await expectError(bruno!.client, action, data, 'forbidden');
    }
    expect((await api(strict.url, `/api/chats/${chatId}/invites`, { token: bruno!.token })).status).toBe(403);
    // An admin: not the owner, not another admin, no roles.
    await ana!.client.request('set_role', { chat_id: chatId, user_id: bruno!.userId, role: 'admin' });
    await ana!.client.request('set_role', { chat_id: chatId, user_id: carla!.userId, role: 'admin' });
    await expectError(bruno!.client, 'remove_member', { chat_id: chatId, user_id: carla!.userId }, 'forbidden');
    await expectError(bruno!.client, 'remove_member', { chat_id: chatId, user_id: ana!.userId }, 'forbidden');
    await expectError(
      bruno!.client,
      'set_role',
      { chat_id: chatId, user_id: bruno!.userId, role: 'owner' },
      'forbidden',
    );
    // The owner cannot remove themselves (leave_chat is the way) nor drop their own role.
    await expectError(ana!.client, 'remove_member', { chat_id: chatId, user_id: ana!.userId }, 'invalid_payload');
    await expectError(ana!.client, 'set_role', { chat_id: chatId, user_id: ana!.userId, role: 'member' }, 'forbidden');
    // Malformed ids and codes in routes name nothing.
    for (const path of [
      '/api/chats/..%2F..',
      '/api/chats/__proto__',
      '/api/invites/x',
      `/api/invites/${'a'.repeat(65)}`,
    ]) {
      expect((await api(strict.url, path, { token: ana!.token })).status, path).toBe(404);
    }
    const roles = await api<ChatInfo>(strict.url, `/api/chats/${chatId}`, { token: ana!.token });
    expect(roles.body.members?.map((m) => m.role)).toEqual(['owner', 'admin', 'admin']);
  });

  it('caps the group, its invites and the changes per hour; unknown users are left out', async () => {
    const people = await users(strict, 6);
    const [owner, ...rest] = people as [Session, ...Session[]];
    const created = await owner.client.request('create_group', {
      title: 'small',
      member_ids: [...rest.map((p) => p.userId), 'u_nobody', owner.userId, rest[0]!.userId],
    });
    const chatId = created.chat_id as string;
    const info4 = await api<ChatInfo>(strict.url, `/api/chats/${chatId}`, { token: owner.token });
    expect(info4.body.member_count).toBe(4); // MAX_GROUP_MEMBERS
    await expectError(owner.client, 'add_members', { chat_id: chatId, user_ids: [rest[4]!.userId] }, 'forbidden');
    // A full group takes no one by invite either.
    const invite = await owner.client.request('create_invite', { chat_id: chatId });
    await expectError(rest[4]!.client, 'join_chat', { invite_code: invite.code }, 'forbidden');
    // Twenty live invites, then forbidden until one is revoked. The change counter (12 per hour) runs out first.
    let refusal: Frame | undefined;
    for (let i = 0; i < 25 && !refusal; i++) {
      const reply = await owner.client.request('create_invite', { chat_id: chatId });
      if (reply.type === 'error') refusal = reply;
    }
    expect(refusal).toMatchObject({ error: 'rate_limited' });
    expect(refusal?.retry_after).toBeGreaterThan(0);
  });

  it('descriptions keep their lines, lose control and bidi characters; titles must show something', async () => {
    const [ana] = await users(strict, 1);
    const reply = await ana!.client.request('create_group', {
      title: '  Time\u202E  ',
      member_ids: [],
      description: 'linha 1\r\nlinha\u0007 2\n\n\n\nfim\u202E',
    });
    expect(reply).toMatchObject({ type: 'chat_created', title: 'Time' });
    const { body } = await api<ChatInfo>(strict.url, `/api/chats/${reply.chat_id}`, { token: ana!.token });
    expect(body.description).toBe('linha 1\nlinha 2\n\nfim');
    await expectError(ana!.client, 'create_group', { title: '\u200b\u200b', member_ids: [] }, 'invalid_payload');
    await expectError(ana!.client, 'update_chat', { chat_id: reply.chat_id }, 'invalid_payload');
  });
});

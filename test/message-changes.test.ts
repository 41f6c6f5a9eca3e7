import type { ChatSummary, Message, ServerEventOf } from '@papo/protocol';
import type { Cluster, Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDm, expectError, groupChat, sendMessage, sendText } from './helpers/chat-actions.js';
import { api, uniq } from './helpers/http.js';
import { keys, onCluster, redisClient, storedMessages } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { type Session, users } from './helpers/session.js';
import type { TestClient } from './helpers/ws-client.js';

// Contract section 11: reply, react, edit, delete, forward, mention.

let server: ServerProcess;
let redis: Redis;
const CHANGES_KEEP = 10;

beforeAll(async () => {
  server = await startServer({ env: { CHANGES_KEEP: String(CHANGES_KEEP), RATE_LIMIT_MESSAGES: '30' } });
  redis = redisClient();
});

async function createGroup(owner: Session, members: Session[]): Promise<string> {
  const reply = await owner.client.request('create_group', {
    title: uniq('group-'),
    member_ids: members.map((m) => m.userId),
  });
  expect(reply, JSON.stringify(reply)).toMatchObject({ type: 'chat_created' });
  return reply.chat_id as string;
}

async function change(client: TestClient, action: string, data: Record<string, unknown>): Promise<number> {
  const reply = await client.request(action, data);
  expect(reply, `${action} ${JSON.stringify(reply)}`).toMatchObject({
    type: 'change_ack',
    chat_id: data.chat_id,
    message_id: data.message_id,
  });
  return reply.change_id as number;
}

async function stored(chatId: string, id: number): Promise<Message> {
  const all = (await storedMessages(redis, chatId)) as Message[];
  return all.find((m) => m.id === id)!;
}

function updated(client: TestClient, chatId: string, changeId: number): Promise<ServerEventOf<'message_updated'>> {
  return client.next('message_updated', (f) => f.chat_id === chatId && f.change_id === changeId);
}

async function chatRow(session: Session, chatId: string): Promise<ChatSummary> {
  const list = await api<{ chats: ChatSummary[] }>(server.url, '/api/chats', { token: session.token });
  return list.body.chats.find((c) => c.chat_id === chatId)!;
}

/** Every key and value (strings, lists, hashes, sets, sorted sets) Redis holds, on each master of a cluster. */
async function dumpEverything(): Promise<string> {
  const client = redis as unknown as Redis | Cluster;
  const nodes = 'nodes' in client && onCluster ? (client as Cluster).nodes('master') : [client as Redis];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of found) {
        const type = await node.type(key);
        out.push(key);
        if (type === 'string') out.push(String(await node.get(key)));
        else if (type === 'list') out.push(...(await node.lrange(key, 0, -1)));
        else if (type === 'hash') out.push(...Object.entries(await node.hgetall(key)).flat());
        else if (type === 'set') out.push(...(await node.smembers(key)));
        else if (type === 'zset') out.push(...(await node.zrange(key, 0, -1)));
        else if (type === 'stream') out.push(JSON.stringify(await node.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
  }
  return out.join('\n');
}

describe('reply_to', () => {
  it('carries the quoted message’s id, sender, type and a preview of its first 100 characters', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    // 99 letters then an astral emoji (2 UTF-16 units): the preview stops before it rather than cut it.
    const long = `${'a'.repeat(99)}😀 and more`;
    const quoted = await sendMessage(ana!.client, { chat_id: chatId, body: long });
    const reply = await sendMessage(bia!.client, { chat_id: chatId, body: 'answer', reply_to: quoted });
    const event = await ana!.client.next('message_created', (f) => f.chat_id === chatId && f.message.id === reply);
    expect(event.message.reply_to).toEqual({
      id: quoted,
      sender_id: ana!.userId,
      msg_type: 'text',
      preview: 'a'.repeat(99),
    });
    expect((await stored(chatId, reply)).reply_to).toEqual(event.message.reply_to);

    const short = await sendMessage(ana!.client, { chat_id: chatId, body: 'olá 👍🏽 ok' });
    const second = await sendMessage(bia!.client, { chat_id: chatId, body: 'sim', reply_to: short });
    expect((await stored(chatId, second)).reply_to?.preview).toBe('olá 👍🏽 ok');
  });

  it('is refused for a message of another chat, a deleted or system message, or one before the sender joined', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const chatA = await groupChat(ana!.client, [bia!.client]);
    const chatB = await groupChat(bia!.client, []);
    await sendText(ana!.client, chatA, 'one');
    await sendText(ana!.client, chatA, 'two');
    // Id 5 does not exist in chat B (it has none): the id of a message elsewhere is no reference.
    await sendText(bia!.client, chatB, 'b1');
    await expectError(bia!.client, 'send_message', { chat_id: chatB, body: 'x', reply_to: 2 }, 'invalid_payload');

    const deleted = await sendText(ana!.client, chatA, 'soon gone');
    await change(ana!.client, 'delete_message', { chat_id: chatA, message_id: deleted.server_msg_id });
    const refused = await expectError(
      bia!.client,
      'send_message',
      { chat_id: chatA, body: 'x', reply_to: deleted.server_msg_id },
      'invalid_payload',
    );
    expect(refused.message).toMatch(/deleted/);

    const group = await createGroup(ana!, [bia!]);
    await expectError(bia!.client, 'send_message', { chat_id: group, body: 'x', reply_to: 1 }, 'invalid_payload');
    const before = await sendMessage(ana!.client, { chat_id: group, body: 'before caio' });
    const added = await ana!.client.request('add_members', { chat_id: group, user_ids: [caio!.userId] });
    expect(added.type).toBe('members_added');
    const late = await expectError(
      caio!.client,
      'send_message',
      { chat_id: group, body: 'x', reply_to: before },
      'invalid_payload',
    );
    expect(late.message).toMatch(/before you joined/);
    // A stranger learns nothing.
    await expectError(caio!.client, 'send_message', { chat_id: chatA, body: 'x', reply_to: 1 }, 'forbidden');
  });
});

describe('mentions', () => {
  it('keeps members only, once each, never the sender; 50 strangers make no mentions at all', async () => {
    const [ana, bia, caio, stranger] = await users(server, 4);
    const group = await createGroup(ana!, [bia!, caio!]);
    const id = await sendMessage(ana!.client, {
      chat_id: group,
      body: '@bia @caio',
      mentions: [bia!.userId, caio!.userId, bia!.userId, ana!.userId, stranger!.userId],
    });
    expect((await stored(group, id)).mentions).toEqual([bia!.userId, caio!.userId]);

    const strangers = Array.from({ length: 50 }, (_, i) => `u_nobody${i}`);
    const none = await sendMessage(ana!.client, { chat_id: group, body: 'hello all', mentions: strangers });
    const message = await stored(group, none);
    expect(message).not.toHaveProperty('mentions');
    expect(await redis.hgetall(`chat:{${group}}:mentions`)).toEqual({
      [bia!.userId]: String(id),
      [caio!.userId]: String(id),
    });
    await expectError(
      ana!.client,
      'send_message',
      { chat_id: group, body: 'too many', mentions: [...strangers, 'u_one_more'] },
      'invalid_payload',
    );

    // The chat list's "@": the newest unread mention, gone once read or deleted.
    expect((await chatRow(bia!, group)).mentioned_id).toBe(id);
    bia!.client.send('read_receipt', { chat_id: group, message_id: id });
    await expect.poll(async () => (await chatRow(bia!, group)).mentioned_id).toBeUndefined();
    const again = await sendMessage(ana!.client, { chat_id: group, body: '@caio', mentions: [caio!.userId] });
    expect((await chatRow(caio!, group)).mentioned_id).toBe(again);
    await change(ana!.client, 'delete_message', { chat_id: group, message_id: again });
    expect((await chatRow(caio!, group)).mentioned_id).toBeUndefined();
  });
});

describe('forward_of', () => {
  it('sends a copy of the text with forwarded: true, never the sender, quote, mentions or reactions', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const source = await groupChat(ana!.client, [bia!.client]);
    const target = await groupChat(bia!.client, [caio!.client]);
    const first = await sendMessage(ana!.client, { chat_id: source, body: 'first' });
    const quoted = await sendMessage(ana!.client, {
      chat_id: source,
      body: 'worth sharing',
      reply_to: first,
      mentions: [bia!.userId],
    });
    await change(bia!.client, 'react', { chat_id: source, message_id: quoted, emoji: '❤️' });
    const id = await sendMessage(bia!.client, {
      chat_id: target,
      forward_of: { chat_id: source, message_id: quoted },
      client_msg_id: 'fwd-1',
    });
    const copy = await stored(target, id);
    expect(copy).toEqual({
      id,
      sender_id: bia!.userId,
      body: 'worth sharing',
      msg_type: 'text',
      forwarded: true,
      created_at: expect.any(Number),
      client_msg_id: 'fwd-1',
    });
    // The same client_msg_id again: the first id, nothing new.
    const repeat = await bia!.client.request('send_message', {
      chat_id: target,
      forward_of: { chat_id: source, message_id: quoted },
      client_msg_id: 'fwd-1',
    });
    expect(repeat).toMatchObject({ type: 'ack', server_msg_id: id });
    // Still the same once the source is gone: a repeat is answered by its client_msg_id.
    await change(ana!.client, 'delete_message', { chat_id: source, message_id: quoted });
    const late = await bia!.client.request('send_message', {
      chat_id: target,
      forward_of: { chat_id: source, message_id: quoted },
      client_msg_id: 'fwd-1',
    });
    expect(late).toMatchObject({ type: 'ack', server_msg_id: id });
    expect(await stored(target, id)).toMatchObject({ body: 'worth sharing', forwarded: true });
  });

  it('is refused for a message the sender cannot read, a deleted one, a system one, or with a body', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const secret = await createDm(ana!.client, caio!.userId);
    await sendText(ana!.client, secret.chat_id, 'between us');
    const target = await groupChat(bia!.client, [ana!.client]);
    const forward = (chatId: string, id: number, client = bia!.client, extra = {}) =>
      expectError(
        client,
        'send_message',
        { chat_id: target, forward_of: { chat_id: chatId, message_id: id }, ...extra },
        'invalid_payload',
      );
    await forward(secret.chat_id, 1);
    await forward(secret.chat_id, 9);
    const group = await createGroup(ana!, [bia!]);
    await forward(group, 1); // the group's system message
    const gone = await sendMessage(ana!.client, { chat_id: group, body: 'gone' });
    await change(ana!.client, 'delete_message', { chat_id: group, message_id: gone });
    await forward(group, gone);
    const kept = await sendMessage(ana!.client, { chat_id: group, body: 'kept' });
    await forward(group, kept, bia!.client, { body: 'my own words' });
    // The refusals stored nothing.
    expect(await storedMessages(redis, target)).toEqual([]);
  });
});

describe('edit_message', () => {
  it('changes one’s own text, sets edited_at, and tells every member with the chat’s next change id', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const id = await sendMessage(ana!.client, { chat_id: chatId, body: 'helo' });
    const changeId = await change(ana!.client, 'edit_message', { chat_id: chatId, message_id: id, body: 'hello' });
    expect(changeId).toBe(1);
    const event = await updated(bia!.client, chatId, 1);
    expect(event.message).toMatchObject({ id, body: 'hello', sender_id: ana!.userId, edited_at: expect.any(Number) });
    expect(await stored(chatId, id)).toEqual(event.message);
    expect(await redis.hget(keys.chat(chatId), 'last_change_id')).toBe('1');
    // The same text again changes nothing: the current change id.
    expect(await change(ana!.client, 'edit_message', { chat_id: chatId, message_id: id, body: 'hello' })).toBe(1);
    // A reply's quote follows the edit (a change of its own): the old text is nowhere left.
    const reply = await sendMessage(bia!.client, { chat_id: chatId, body: 'hi!', reply_to: id });
    const again = await change(ana!.client, 'edit_message', { chat_id: chatId, message_id: id, body: 'hello, all' });
    expect((await updated(bia!.client, chatId, again + 1)).message).toMatchObject({
      id: reply,
      reply_to: { id, sender_id: ana!.userId, msg_type: 'text', preview: 'hello, all' },
    });
    expect(JSON.stringify(await storedMessages(redis, chatId))).not.toContain('"hello"');

    // Someone else's message, a deleted one, a non-member, a bad body.
    await expectError(bia!.client, 'edit_message', { chat_id: chatId, message_id: id, body: 'x' }, 'forbidden');
    const [stranger] = await users(server, 1);
    await expectError(stranger!.client, 'edit_message', { chat_id: chatId, message_id: id, body: 'x' }, 'forbidden');
    await expectError(ana!.client, 'edit_message', { chat_id: chatId, message_id: 99, body: 'x' }, 'invalid_payload');
    await expectError(
      ana!.client,
      'edit_message',
      { chat_id: chatId, message_id: id, body: '\ud800' },
      'invalid_payload',
    );
    // Over the length, or over the stored bytes (control characters are 6-byte escapes): the text stands.
    for (const body of ['a'.repeat(4097), '\u0001'.repeat(4096)]) {
      await expectError(ana!.client, 'edit_message', { chat_id: chatId, message_id: id, body }, 'invalid_payload');
    }
    expect((await stored(chatId, id)).body).toBe('hello, all');
    await change(ana!.client, 'delete_message', { chat_id: chatId, message_id: id });
    await expectError(ana!.client, 'edit_message', { chat_id: chatId, message_id: id, body: 'x' }, 'forbidden');
    const group = await createGroup(ana!, [bia!]);
    await expectError(ana!.client, 'edit_message', { chat_id: group, message_id: 1, body: 'x' }, 'forbidden');
  });
});

describe('delete_message', () => {
  it('leaves only {id, sender_id, msg_type, created_at, deleted, deleted_by}; quotes lose their preview; nothing in Redis keeps the text', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const secret = `secret-${uniq()}`;
    const id = await sendMessage(ana!.client, { chat_id: chatId, body: secret, mentions: [bia!.userId] });
    await change(bia!.client, 'react', { chat_id: chatId, message_id: id, emoji: '😮' });
    const reply1 = await sendMessage(bia!.client, { chat_id: chatId, body: 'what?', reply_to: id });
    const reply2 = await sendMessage(ana!.client, { chat_id: chatId, body: 'yes', reply_to: id });
    const edited = await change(ana!.client, 'edit_message', { chat_id: chatId, message_id: id, body: `${secret} v2` });
    expect((await stored(chatId, reply2)).reply_to?.preview).toBe(`${secret} v2`);
    expect(await dumpEverything()).toContain(secret);

    const changeId = await change(ana!.client, 'delete_message', { chat_id: chatId, message_id: id });
    // The edit changed the two quotes too (edited + 1, + 2).
    expect(changeId).toBe(edited + 3);
    const event = await updated(bia!.client, chatId, changeId);
    const created = (await stored(chatId, id)).created_at;
    expect(event.message).toEqual({
      id,
      sender_id: ana!.userId,
      msg_type: 'text',
      created_at: created,
      deleted: true,
      deleted_by: ana!.userId,
    });
    // Each quote cleared as a change of its own, in reply order.
    const quote = { id, sender_id: ana!.userId, msg_type: 'text', deleted: true };
    expect((await updated(bia!.client, chatId, changeId + 1)).message).toMatchObject({ id: reply1, reply_to: quote });
    expect((await updated(bia!.client, chatId, changeId + 2)).message).toMatchObject({ id: reply2, reply_to: quote });
    expect((await stored(chatId, reply1)).reply_to).toEqual(quote);
    expect(await dumpEverything()).not.toContain(secret);

    // Again: harmless, the current change id and no event.
    expect(await change(ana!.client, 'delete_message', { chat_id: chatId, message_id: id })).toBe(changeId + 2);
    // Reacting to it, or quoting it, is refused.
    await expectError(bia!.client, 'react', { chat_id: chatId, message_id: id, emoji: '👍' }, 'forbidden');
    // Not someone else's message in a public chat; the history shows it deleted.
    await expectError(bia!.client, 'delete_message', { chat_id: chatId, message_id: reply2 }, 'forbidden');
    const page = await api(server.url, `/api/chats/${chatId}/messages`, { token: bia!.token });
    expect(page.body.messages.find((m: Message) => m.id === id)).toEqual(event.message);
  });

  it('a group admin deletes anyone’s message; a member does not; system messages stay', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const group = await createGroup(ana!, [bia!, caio!]);
    const biaMessage = await sendMessage(bia!.client, { chat_id: group, body: 'by bia' });
    await expectError(caio!.client, 'delete_message', { chat_id: group, message_id: biaMessage }, 'forbidden');
    const changeId = await change(ana!.client, 'delete_message', { chat_id: group, message_id: biaMessage });
    expect((await updated(caio!.client, group, changeId)).message).toMatchObject({
      deleted: true,
      deleted_by: ana!.userId,
      sender_id: bia!.userId,
    });
    const refused = await expectError(ana!.client, 'delete_message', { chat_id: group, message_id: 1 }, 'forbidden');
    expect(refused.message).toMatch(/System/);
  });
});

describe('react', () => {
  it('one reaction per user: a new one replaces, the same again changes nothing, "" removes', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const chatId = await groupChat(ana!.client, [bia!.client, caio!.client]);
    const id = await sendMessage(ana!.client, { chat_id: chatId, body: 'react to me' });
    const react = (s: Session, emoji: string) => change(s.client, 'react', { chat_id: chatId, message_id: id, emoji });
    await react(bia!, '👍');
    await react(caio!, '👍');
    expect((await stored(chatId, id)).reactions).toEqual({ '👍': [bia!.userId, caio!.userId] });
    const c = await react(bia!, '❤️');
    expect((await updated(ana!.client, chatId, c)).message.reactions).toEqual({
      '👍': [caio!.userId],
      '❤️': [bia!.userId],
    });
    expect(await react(bia!, '❤️')).toBe(c);
    await react(caio!, '');
    await react(bia!, '');
    const message = await stored(chatId, id);
    expect(message).not.toHaveProperty('reactions');
    expect(await react(bia!, '')).toBe(c + 2);
    expect(await redis.lrange(`chat:{${chatId}}:changes`, 0, -1)).toEqual(Array(5).fill(String(id)));
  });

  it('takes one emoji only: keycaps, flags, skin tones and ZWJ sequences, not letters, digits, pairs or long strings', async () => {
    const [ana] = await users(server, 1);
    const chatId = await groupChat(ana!.client, []);
    const id = await sendMessage(ana!.client, { chat_id: chatId, body: 'x' });
    for (const emoji of ['1️⃣', '#️⃣', '🇧🇷', '👍🏽', '👨‍👩‍👧‍👦', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '❤', '©️']) {
      await change(ana!.client, 'react', { chat_id: chatId, message_id: id, emoji });
    }
    for (const emoji of ['a', '1', '#', '👍👍', '🇧', 'x'.repeat(40), '👍a', ' ', '👨‍👩‍👧‍👦👨‍👩‍👧‍👦']) {
      await expectError(ana!.client, 'react', { chat_id: chatId, message_id: id, emoji }, 'invalid_payload');
    }
    const group = await createGroup(ana!, []);
    await expectError(ana!.client, 'react', { chat_id: group, message_id: 1, emoji: '👍' }, 'forbidden');
  });

  it('a reaction storm is counted as messages are: rate_limited past the limit', async () => {
    const [ana] = await users(server, 1);
    const chatId = await groupChat(ana!.client, []);
    const id = await sendMessage(ana!.client, { chat_id: chatId, body: 'storm' });
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ana!.client.request('react', { chat_id: chatId, message_id: id, emoji: i % 2 ? '👍' : '👎' }),
      ),
    );
    const limited = replies.filter((r) => r.type === 'error' && r.error === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    expect(replies.filter((r) => r.type === 'change_ack').length).toBeLessThanOrEqual(29);
  });
});

describe('sync with after_change_id', () => {
  it('returns the messages changed since, once each as they stand, and says when changes are no longer kept', async () => {
    const [ana, bia] = await users(server, 2);
    const chatId = await groupChat(ana!.client, [bia!.client]);
    const a = await sendMessage(ana!.client, { chat_id: chatId, body: 'a' });
    const b = await sendMessage(ana!.client, { chat_id: chatId, body: 'b' });
    await change(ana!.client, 'edit_message', { chat_id: chatId, message_id: a, body: 'a2' });
    await change(bia!.client, 'react', { chat_id: chatId, message_id: b, emoji: '👍' });
    const last = await change(ana!.client, 'edit_message', { chat_id: chatId, message_id: a, body: 'a3' });
    const c = await sendMessage(ana!.client, { chat_id: chatId, body: 'c' });

    const reply = await bia!.client.request('sync', { chat_id: chatId, after_id: b, after_change_id: 1 });
    expect(reply).toMatchObject({ type: 'history', change_id: last });
    expect((reply.messages as Message[]).map((m) => m.id)).toEqual([c]);
    expect(reply.updates).toEqual([await stored(chatId, b), await stored(chatId, a)]);
    expect(reply).not.toHaveProperty('changes_reset');

    const none = await bia!.client.request('sync', { chat_id: chatId, after_id: c, after_change_id: last });
    expect(none).toMatchObject({ messages: [], updates: [], change_id: last });
    // Without after_change_id, as before: no updates, no change_id.
    const plain = await bia!.client.request('sync', { chat_id: chatId, after_id: 0 });
    expect(Object.keys(plain).sort()).toEqual(['chat_id', 'messages', 'request_id', 'type']);

    for (let i = 0; i < CHANGES_KEEP; i++) {
      await change(bia!.client, 'react', { chat_id: chatId, message_id: c, emoji: i % 2 ? '👍' : '🙂' });
    }
    const reset = await bia!.client.request('sync', { chat_id: chatId, after_id: c, after_change_id: 1 });
    expect(reset).toMatchObject({ changes_reset: true, change_id: last + CHANGES_KEEP, updates: [] });
    expect(await redis.llen(`chat:{${chatId}}:changes`)).toBe(CHANGES_KEEP);
    // The GET /api/chats row carries the change id to start from.
    expect((await chatRow(bia!, chatId)).change_id).toBe(last + CHANGES_KEEP);
  });

  it('leaves out what a late group member may not read, live and in sync', async () => {
    const [ana, bia, caio] = await users(server, 3);
    const group = await createGroup(ana!, [bia!]);
    const old = await sendMessage(ana!.client, { chat_id: group, body: 'before caio' });
    await ana!.client.request('add_members', { chat_id: group, user_ids: [caio!.userId] });
    await caio!.client.next('chat_added', (f) => f.chat_id === group);
    const fresh = await sendMessage(ana!.client, { chat_id: group, body: 'after caio' });
    const first = await change(ana!.client, 'edit_message', {
      chat_id: group,
      message_id: old,
      body: 'before, edited',
    });
    const second = await change(ana!.client, 'edit_message', {
      chat_id: group,
      message_id: fresh,
      body: 'after, edited',
    });
    await updated(bia!.client, group, first);
    expect((await updated(caio!.client, group, second)).message.id).toBe(fresh);
    expect(caio!.client.all('message_updated').filter((f) => f.change_id === first)).toEqual([]);
    await expectError(caio!.client, 'react', { chat_id: group, message_id: old, emoji: '👍' }, 'not_found');
    const reply = await caio!.client.request('sync', { chat_id: group, after_id: fresh, after_change_id: 0 });
    expect((reply.updates as Message[]).map((m) => m.id)).toEqual([fresh]);
  });
});

describe('a block in a DM', () => {
  it('stops edits and reactions from either side, as it stops sends; deleting one’s own still works', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = await createDm(ana!.client, bia!.userId);
    const fromAna = await sendMessage(ana!.client, { chat_id: dm.chat_id, body: 'hi' });
    const fromBia = await sendMessage(bia!.client, { chat_id: dm.chat_id, body: 'hello' });
    const blocked = await api(server.url, '/api/blocks', { token: ana!.token, body: { user_id: bia!.userId } });
    expect(blocked.status).toBeLessThan(300);
    await expect.poll(() => redis.hget(keys.chat(dm.chat_id), 'blocked')).toBeTruthy();
    const react = { chat_id: dm.chat_id, message_id: fromAna, emoji: '👍' };
    await expectError(bia!.client, 'react', react, 'forbidden');
    await expectError(ana!.client, 'react', { ...react, message_id: fromBia }, 'forbidden');
    await expectError(
      ana!.client,
      'edit_message',
      { chat_id: dm.chat_id, message_id: fromAna, body: 'x' },
      'forbidden',
    );
    await change(bia!.client, 'delete_message', { chat_id: dm.chat_id, message_id: fromBia });
  });
});

describe('the chat list', () => {
  it('shows the newest message neither system nor deleted, and counts neither as unread', async () => {
    const [ana, bia] = await users(server, 2);
    const dm = await createDm(ana!.client, bia!.userId);
    const kept = await sendMessage(ana!.client, { chat_id: dm.chat_id, body: 'kept' });
    const gone = await sendMessage(ana!.client, { chat_id: dm.chat_id, body: 'gone' });
    expect(await chatRow(bia!, dm.chat_id)).toMatchObject({ unread_count: 2, last_message: { id: gone } });
    await change(ana!.client, 'delete_message', { chat_id: dm.chat_id, message_id: gone });
    expect(await chatRow(bia!, dm.chat_id)).toMatchObject({
      unread_count: 1,
      last_message: { id: kept, body: 'kept' },
    });
    // A reaction is not a message: the last message stays.
    await change(bia!.client, 'react', { chat_id: dm.chat_id, message_id: kept, emoji: '👍' });
    expect((await chatRow(ana!, dm.chat_id)).last_message?.id).toBe(kept);

    const group = await createGroup(ana!, [bia!]);
    const hello = await sendMessage(ana!.client, { chat_id: group, body: 'hello' });
    await ana!.client.request('update_chat', { chat_id: group, title: 'renamed' });
    const row = await chatRow(bia!, group);
    expect(row.last_message?.id).toBe(hello);
    expect(row.unread_count).toBe(1);
    expect(row.change_id).toBe(0);
  });
});

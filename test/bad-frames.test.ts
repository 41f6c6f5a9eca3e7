import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, expectError, joinChat, sendText } from './helpers/chat-actions.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, type Session } from './helpers/session.js';
import { TestClient } from './helpers/ws-client.js';

let server: ServerProcess;
let ana: Session;
let chatId: string;

beforeAll(async () => {
  server = await startServer();
  ana = await connectAuthed(server);
  chatId = await createPublicChat(ana.client);
});

/** The socket is still usable: a real action still gets its reply. */
async function stillServes(session: Session) {
  expect(session.client.isOpen).toBe(true);
  await sendText(session.client, chatId);
}

describe('frames that are not a JSON object', () => {
  it.each([
    ['not JSON', 'hello {'],
    ['an empty frame', ''],
    ['a JSON array', '[{"action":"sync"}]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['a JSON string', '"auth"'],
  ])('%s gets bad_json and the socket stays open', async (_name, raw) => {
    ana.client.sendRaw(raw);
    expect(await ana.client.next('error', (e) => e.error === 'bad_json')).toMatchObject({
      type: 'error',
      error: 'bad_json',
      message: expect.any(String),
    });
    await stillServes(ana);
  });

  it('a binary frame gets bad_frame and the socket stays open', async () => {
    ana.client.sendRaw(Buffer.from(JSON.stringify({ action: 'sync', data: { chat_id: chatId, after_id: 0 } })));
    expect(await ana.client.next('error', (e) => e.error === 'bad_frame')).toMatchObject({
      error: 'bad_frame',
      message: expect.any(String),
    });
    await stillServes(ana);
  });

  it('bad_json also before auth, and the socket stays open for auth', async () => {
    const client = await TestClient.connect(server.wsUrl);
    client.sendRaw('{');
    expect(await client.next('error')).toMatchObject({ error: 'bad_json' });
    client.send('auth', { token: ana.token });
    await client.next('auth_ok');
  });
});

describe('envelope and action', () => {
  it('an unknown action gets unknown_action with the request_id echoed', async () => {
    const err = await expectError(ana.client, 'fly_to_the_moon', {}, 'unknown_action');
    expect(err.request_id).toMatch(/^r-/);
    await stillServes(ana);
  });

  it('a frame without data or with a non-object data gets invalid_payload', async () => {
    ana.client.sendRaw(JSON.stringify({ action: 'create_public_chat', request_id: 'no-data' }));
    expect(await ana.client.next('error', (e) => e.request_id === 'no-data')).toMatchObject({
      error: 'invalid_payload',
    });
    ana.client.sendRaw(JSON.stringify({ action: 'create_public_chat', data: 'title', request_id: 'str-data' }));
    expect(await ana.client.next('error', (e) => e.request_id === 'str-data')).toMatchObject({
      error: 'invalid_payload',
    });
    await stillServes(ana);
  });

  it('a request_id that is not a string of at most 128 chars gets invalid_payload', async () => {
    for (const requestId of [42, 'r'.repeat(129)]) {
      ana.client.sendRaw(
        JSON.stringify({ action: 'sync', data: { chat_id: chatId, after_id: 0 }, request_id: requestId }),
      );
      const err = await ana.client.next('error');
      expect(err.error).toBe('invalid_payload');
    }
    await stillServes(ana);
  });

  it('a frame without an action is refused and the socket stays open', async () => {
    ana.client.sendRaw(JSON.stringify({ data: {}, request_id: 'no-action' }));
    const err = await ana.client.next('error', (e) => e.request_id === 'no-action');
    expect(['invalid_payload', 'unknown_action']).toContain(err.error);
    await stillServes(ana);
  });
});

describe('invalid payloads', () => {
  const long = (n: number) => 'x'.repeat(n);
  // Each row is one action with one thing wrong; the chat exists and the caller is its member.
  const cases: Array<[string, string, (chat: string) => Record<string, unknown>]> = [
    ['create_dm', 'no peer', () => ({})],
    ['create_dm', 'a numeric peer', () => ({ peer_user_id: 7 })],
    ['create_public_chat', 'no title', () => ({})],
    ['create_public_chat', 'an empty title', () => ({ title: '' })],
    ['create_public_chat', 'a blank title', () => ({ title: '   ' })],
    ['create_public_chat', 'a 65-char title', () => ({ title: long(65) })],
    ['create_public_chat', 'a numeric title', () => ({ title: 5 })],
    ['join_chat', 'no chat_id', () => ({})],
    ['join_chat', 'a numeric chat_id', () => ({ chat_id: 1 })],
    ['leave_chat', 'no chat_id', () => ({})],
    ['send_message', 'no chat_id', () => ({ body: 'hi' })],
    ['send_message', 'no body', (c) => ({ chat_id: c })],
    ['send_message', 'an empty body', (c) => ({ chat_id: c, body: '' })],
    ['send_message', 'a 4097-char body', (c) => ({ chat_id: c, body: long(4097) })],
    ['send_message', 'a numeric body', (c) => ({ chat_id: c, body: 12 })],
    ['send_message', 'an unknown type', (c) => ({ chat_id: c, body: 'hi', type: 'image' })],
    ['send_message', 'a 65-char client_msg_id', (c) => ({ chat_id: c, body: 'hi', client_msg_id: long(65) })],
    ['send_message', 'an empty client_msg_id', (c) => ({ chat_id: c, body: 'hi', client_msg_id: '' })],
    ['read_receipt', 'no message_id', (c) => ({ chat_id: c })],
    ['read_receipt', 'message_id 0', (c) => ({ chat_id: c, message_id: 0 })],
    ['read_receipt', 'a fractional message_id', (c) => ({ chat_id: c, message_id: 1.5 })],
    ['read_receipt', 'a string message_id', (c) => ({ chat_id: c, message_id: '1' })],
    ['typing', 'no is_typing', (c) => ({ chat_id: c })],
    ['typing', 'a string is_typing', (c) => ({ chat_id: c, is_typing: 'yes' })],
    ['mute_chat', 'no until', (c) => ({ chat_id: c })],
    ['mute_chat', 'a negative until', (c) => ({ chat_id: c, until: -1 })],
    ['set_active', 'no active', () => ({})],
    ['set_active', 'a string active', () => ({ active: 'no' })],
    ['sync', 'no after_id', (c) => ({ chat_id: c })],
    ['sync', 'a negative after_id', (c) => ({ chat_id: c, after_id: -1 })],
    ['sync', 'limit 0', (c) => ({ chat_id: c, after_id: 0, limit: 0 })],
    ['sync', 'limit 201', (c) => ({ chat_id: c, after_id: 0, limit: 201 })],
  ];

  it.each(cases)('%s with %s gets invalid_payload', async (action, _what, data) => {
    const err = await expectError(ana.client, action, data(chatId), 'invalid_payload');
    expect(err.request_id).toMatch(/^r-/);
  });

  it('nothing refused was stored, and the socket still serves', async () => {
    await stillServes(ana);
  });

  it('the limits themselves are accepted: a 4096-char body, a 64-char title, a 64-char client_msg_id', async () => {
    const ack = await sendText(ana.client, chatId, long(4096), long(64));
    expect(ack.client_msg_id).toBe(long(64));
    await createPublicChat(ana.client, long(64));
  });
});

describe('frame size', () => {
  it('a frame over MAX_FRAME_BYTES (64 KiB by default) closes the socket with 1009', async () => {
    const session = await connectAuthed(server);
    const body = 'x'.repeat(70 * 1024);
    session.client.sendRaw(JSON.stringify({ action: 'send_message', data: { chat_id: chatId, body } }));
    expect((await session.client.closed).code).toBe(1009);
  });

  it('a frame just under the limit is parsed (and refused for its body length, not closed)', async () => {
    const session = await connectAuthed(server);
    await joinChat(session.client, chatId);
    const body = 'x'.repeat(60 * 1024);
    await expectError(session.client, 'send_message', { chat_id: chatId, body }, 'invalid_payload');
    expect(session.client.isOpen).toBe(true);
  });
});

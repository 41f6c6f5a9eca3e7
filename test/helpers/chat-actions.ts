import type { ErrorCode, ServerEventOf } from '@papo/protocol';
import { expect } from 'vitest';
import { uniq } from './http.js';
import type { Frame, TestClient } from './ws-client.js';

/**
 * One call per contract action, each waiting for the reply that echoes its `request_id` and checking its type,
 * so a refusal fails the test with the server's error frame in the message.
 */
function expectType<T extends string>(reply: Frame, type: T, action: string): void {
  if (reply.type !== type) {
    throw new Error(`${action}: expected "${type}", got ${JSON.stringify(reply)}`);
  }
}

export async function createPublicChat(client: TestClient, title = uniq('chat-')): Promise<string> {
  const reply = await client.request('create_public_chat', { title });
  expectType(reply, 'chat_created', 'create_public_chat');
  return reply.chat_id as string;
}

export async function joinChat(client: TestClient, chatId: string): Promise<ServerEventOf<'joined'>> {
  const reply = await client.request('join_chat', { chat_id: chatId });
  expectType(reply, 'joined', 'join_chat');
  return reply as ServerEventOf<'joined'>;
}

export async function leaveChat(client: TestClient, chatId: string): Promise<ServerEventOf<'left'>> {
  const reply = await client.request('leave_chat', { chat_id: chatId });
  expectType(reply, 'left', 'leave_chat');
  return reply as ServerEventOf<'left'>;
}

export async function createDm(client: TestClient, peerUserId: string): Promise<ServerEventOf<'dm_ready'>> {
  const reply = await client.request('create_dm', { peer_user_id: peerUserId });
  expectType(reply, 'dm_ready', 'create_dm');
  return reply as ServerEventOf<'dm_ready'>;
}

/** `send_message` with any of its fields (media, mentions, a reply, a forward): the id once acknowledged. */
export async function sendMessage(client: TestClient, data: Record<string, unknown>): Promise<number> {
  const reply = await client.request('send_message', data);
  expectType(reply, 'ack', 'send_message');
  return reply.server_msg_id as number;
}

export async function sendText(
  client: TestClient,
  chatId: string,
  body = uniq('msg-'),
  clientMsgId?: string,
): Promise<ServerEventOf<'ack'>> {
  const data =
    clientMsgId === undefined ? { chat_id: chatId, body } : { chat_id: chatId, body, client_msg_id: clientMsgId };
  const reply = await client.request('send_message', data);
  expectType(reply, 'ack', 'send_message');
  return reply as ServerEventOf<'ack'>;
}

export async function sync(
  client: TestClient,
  chatId: string,
  afterId: number,
  limit?: number,
): Promise<ServerEventOf<'history'>> {
  const data =
    limit === undefined ? { chat_id: chatId, after_id: afterId } : { chat_id: chatId, after_id: afterId, limit };
  const reply = await client.request('sync', data);
  expectType(reply, 'history', 'sync');
  return reply as ServerEventOf<'history'>;
}

/** Sends an action that must be refused with `code`; checks the error frame's shape and returns it. */
export async function expectError(
  client: TestClient,
  action: string,
  data: unknown,
  code: ErrorCode,
): Promise<ServerEventOf<'error'>> {
  const reply = await client.request(action, data);
  expect(reply, `${action} ${JSON.stringify(data)}`).toMatchObject({ type: 'error', error: code });
  expect(typeof reply.message).toBe('string');
  if (reply.action !== undefined) expect(reply.action).toBe(action);
  return reply as ServerEventOf<'error'>;
}

/** A public chat created by `owner` and joined by every other client; resolves once all have `joined`. */
export async function groupChat(owner: TestClient, others: TestClient[], title?: string): Promise<string> {
  const chatId = await createPublicChat(owner, title);
  for (const other of others) await joinChat(other, chatId);
  return chatId;
}

/** The ids of the `message_created` frames a client got for a chat, in arrival order. */
export function deliveredIds(client: TestClient, chatId: string): number[] {
  return client
    .all('message_created')
    .filter((f) => f.chat_id === chatId)
    .map((f) => f.message.id);
}

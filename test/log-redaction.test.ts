import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, sendText } from './helpers/chat-actions.js';
import { api, login, uniq } from './helpers/http.js';
import { keys, redisClient } from './helpers/redis.js';
import { type LogLine, type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed } from './helpers/session.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer();
  redis = redisClient();
});

/** The failed command as the log line shows it (ioredis attaches it to the error). */
const commandOf = (line: LogLine) => (line.err as { command?: Record<string, unknown> } | undefined)?.command;

describe('nothing secret in the log when Redis fails a command', () => {
  it('a send that fails inside Redis (WRONGTYPE) logs the command’s name, not the body or the token', async () => {
    const ana = await connectAuthed(server);
    const chatId = await createPublicChat(ana.client, 'broken');
    await sendText(ana.client, chatId, 'first');
    // The chat's message list turned into a string by hand: the send script fails in Redis.
    await redis.del(keys.messages(chatId));
    await redis.set(keys.messages(chatId), 'not a list');
    const body = `my bank PIN is 4921 ${uniq('')}`;
    const refused = await ana.client.request('send_message', { chat_id: chatId, body, client_msg_id: 'pin' });
    expect(refused).toMatchObject({ type: 'error', error: 'internal' });

    const line = await server.waitForLog((l) => l.msg === 'action failed' && l.conn !== undefined);
    expect(server.output()).not.toContain(body);
    expect(server.output()).not.toContain(ana.token);
    expect(String((line.err as { message?: string }).message)).toMatch(/WRONGTYPE/);
    expect(commandOf(line)).toEqual({ name: expect.stringMatching(/^eval/) });
  });

  it('a token lookup that fails inside Redis logs neither the token nor the key named after it', async () => {
    const session = await login(server.url);
    await redis.del(keys.token(session.token));
    await redis.hset(keys.token(session.token), 'user', session.user_id);
    const reply = await api(server.url, '/api/me', { token: session.token });
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: 'internal' });

    const line = await server.waitForLog((l) => l.msg === 'request failed' && l.url === '/api/me');
    expect(server.output()).not.toContain(session.token);
    expect(commandOf(line)).toEqual({ name: 'get' });
    await redis.del(keys.token(session.token));
  });
});

import { PapoClient } from '@papo/client';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { onTeardown } from '../helpers/teardown.js';
import { nextEvent, onlineClient } from './sdk-helpers.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
});

describe('the SDK typing helper against the server', () => {
  it('the peer sees true while typing, false after the idle time, and false at once on send', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const bia = new PapoClient({ baseUrl: server.url, WebSocket: WebSocket as never, typingIdleMs: 300 });
    onTeardown(() => bia.disconnect());
    await bia.loginTemporary('Bia');
    const authed = nextEvent(bia, 'auth');
    bia.connect();
    await authed;
    const { chat_id: chatId } = await bia.createDm(ana.userId!);

    const seen: boolean[] = [];
    ana.on('typing', (t) => {
      if (t.chat_id === chatId) seen.push(t.is_typing);
    });
    const idle = nextEvent(ana, 'typing', (t) => !t.is_typing);
    bia.typing(chatId);
    bia.typing(chatId);
    await idle;
    expect(seen).toEqual([true, false]);

    const stopped = nextEvent(ana, 'typing', (t) => !t.is_typing);
    bia.typing(chatId);
    bia.send(chatId, 'done typing');
    await stopped;
    expect(seen).toEqual([true, false, true, false]);
  });
});

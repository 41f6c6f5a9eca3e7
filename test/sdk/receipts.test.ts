import { beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { nextEvent, onlineClient, sdkClient } from './sdk-helpers.js';

// Contract section 10 in the SDK: what a user's device receives is told by itself.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
});

describe('received by the SDK', () => {
  it('messages stored while no device of the user was connected are received when one connects (grey ✓✓)', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(server.url, 'Bia');
    const { chat_id: chatId } = await ana.createDm(bia.userId!);
    const session = bia.session!;
    bia.disconnect();

    ana.send(chatId, 'Chegou?');
    const { message_id: id } = await nextEvent(ana, 'message_state', (e) => e.chat_id === chatId && !!e.message_id);
    expect(ana.messageState(chatId, id!)).toBe('sent');

    // Bia comes back on a fresh client (a reloaded page): the chat list places the chat, the rest is history.
    const back = sdkClient(server.url);
    back.useSession(session);
    back.connect();
    await nextEvent(ana, 'receipts', (e) => e.chat_id === chatId && e.received_id >= id!);
    expect(ana.messageState(chatId, id!)).toBe('delivered');
  });
});

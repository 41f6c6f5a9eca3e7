import { beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { nextEvent, onlineClient, recordMessages, sdkClient, untilCount } from './sdk-helpers.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
});

/**
 * An app's cache of chat logs (`chatSnapshot` / `restoreChats`, what the web client keeps in IndexedDB): a new
 * client of the same session holds the kept messages before it connects, and on auth catches up from the kept
 * position (new messages once each, changes made meanwhile), not from the chat list.
 */
describe('the SDK restoring chats from a snapshot', () => {
  it('holds the kept messages at once, then gets only what came after, and the changes made meanwhile', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(server.url, 'Bia');
    const { chat_id: chatId } = await ana.createPublicChat('kept');
    await bia.joinChat(chatId);
    const seen = recordMessages(bia, chatId);
    for (let i = 1; i <= 5; i++) ana.send(chatId, `message ${i}`);
    await untilCount(seen, 5);
    const snapshot = bia.chatSnapshot(chatId, 3);
    expect(snapshot).toMatchObject({ chat_id: chatId, kind: 'public', position: 5 });
    expect(snapshot?.messages.map((m) => m.id)).toEqual([3, 4, 5]);
    const session = bia.session!;
    bia.disconnect();

    // While Bia's app is closed: two more messages, and one of the kept ones edited.
    await ana.editMessage(chatId, 4, 'message 4, edited');
    for (const i of [6, 7]) ana.send(chatId, `message ${i}`);
    await nextEvent(ana, 'message', (m) => m.id === 7);

    const again = sdkClient(server.url);
    again.useSession(session);
    again.restoreChats([snapshot!]);
    expect(again.messages(chatId).map((m) => m.body)).toEqual(['message 3', 'message 4', 'message 5']);
    const arrived = recordMessages(again, chatId);
    const edited = nextEvent(again, 'message_updated', (m) => m.id === 4);
    again.connect();
    await untilCount(arrived, 2);
    expect((await edited).body).toBe('message 4, edited');
    // Only what came after the kept position, once each; the kept messages were not delivered again.
    expect(arrived.map((m) => m.id)).toEqual([6, 7]);
    expect(again.messages(chatId).map((m) => m.id)).toEqual([3, 4, 5, 6, 7]);
    expect(again.messages(chatId)[1]?.body).toBe('message 4, edited');
    expect(again.hasOlder(chatId)).toBe(true);
    expect((await again.loadOlder(chatId, 10)).map((m) => m.id)).toEqual([1, 2]);
  });
});

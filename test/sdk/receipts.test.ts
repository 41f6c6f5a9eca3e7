import { PapoClient } from '@papo/client';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { keys, redisClient } from '../helpers/redis.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import { nextEvent, onlineClient, recordMessages, sdkClient, untilCount } from './sdk-helpers.js';

// Contract section 10 through the SDK: it sends `received` by itself (coalesced), and its ticks follow the
// chat's lowest marks: ✓ sent, grey ✓✓ delivered to every other member, blue ✓✓ read by every other member.

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ env: { RATE_LIMIT_MESSAGES: '1000' } });
  redis = redisClient();
});

/** An SDK client whose socket counts the actions it sends. */
async function countingClient(name: string): Promise<{ client: PapoClient; sent: Map<string, number> }> {
  const sent = new Map<string, number>();
  class CountingSocket extends WebSocket {
    override send(data: unknown, ...rest: unknown[]): void {
      const action = (JSON.parse(String(data)) as { action: string }).action;
      sent.set(action, (sent.get(action) ?? 0) + 1);
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  const client = new PapoClient({ baseUrl: server.url, WebSocket: CountingSocket as never, reconnectBaseMs: 50 });
  onTeardown(() => client.disconnect());
  await client.loginTemporary(name);
  const authed = nextEvent(client, 'auth');
  client.connect();
  await authed;
  return { client, sent };
}

describe('ticks through the SDK', () => {
  it('in a DM: sent, then delivered when the peer’s SDK has it (no app code), then read', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(server.url, 'Bia');
    const { chat_id: dm } = await ana.createDm(bia.userId!);
    const delivered = nextEvent(ana, 'message_state', (s) => s.message_id === 1 && s.state === 'delivered');
    ana.send(dm, 'hi');
    await delivered;
    expect(ana.messageState(dm, 1)).toBe('delivered');
    expect(ana.chatReceipts(dm)).toEqual({ received_id: 1, read_id: 0 });

    const read = nextEvent(ana, 'message_state', (s) => s.message_id === 1 && s.state === 'read');
    bia.markRead(dm, 1);
    await read;
    expect(ana.messageState(dm, 1)).toBe('read');
  });

  it('received is coalesced: a burst of 40 messages costs a few frames, and the mark ends at the last', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const { client: bia, sent } = await countingClient('Bia');
    const { chat_id: dm } = await ana.createDm(bia.userId!);
    const seen = recordMessages(bia, dm);
    for (let i = 0; i < 40; i++) ana.send(dm, `m${i}`);
    await untilCount(seen, 40);
    await waitFor(
      () => redis.hget(keys.received(dm), bia.userId!),
      (mark) => mark === '40',
      { what: 'Bia’s received mark to reach 40' },
    );
    // At most one a second, the first at once: a burst well under 2 s costs 2 or 3.
    expect(sent.get('received')).toBeLessThanOrEqual(3);
    expect(sent.get('read_receipt') ?? 0).toBe(0);
  });

  it('in a group: delivered only once every other member has it, including one who was offline and syncs', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(server.url, 'Bia');
    const caio = await onlineClient(server.url, 'Caio');
    const added = nextEvent(caio, 'message');
    const { chat_id: chatId } = await ana.createGroup({ title: 'trio', member_ids: [bia.userId!, caio.userId!] });
    await added;
    caio.disconnect();
    const biaHas = nextEvent(ana, 'delivered_receipt', (e) => e.user_id === bia.userId);
    ana.send(chatId, 'hello trio');
    await biaHas;
    const id = (await redis.hget(keys.chat(chatId), 'last_id')) as string;
    expect(ana.messageState(chatId, Number(id))).toBe('sent');

    caio.connect();
    await waitFor(
      () => ana.messageState(chatId, Number(id)),
      (state) => state === 'delivered',
      { what: 'grey ticks once Caio’s device synced the message' },
    );
  });

  it('in a public chat: ✓ only, whoever reads', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(server.url, 'Bia');
    const { chat_id: chatId } = await ana.createPublicChat('open');
    await bia.joinChat(chatId);
    const seen = recordMessages(bia, chatId);
    ana.send(chatId, 'to all');
    await untilCount(seen, 1);
    bia.markRead(chatId, 1);
    await waitFor(
      () => redis.hget(keys.reads(chatId), bia.userId!),
      (mark) => mark === '1',
      { what: 'Bia’s read mark' },
    );
    expect(ana.messageState(chatId, 1)).toBe('sent');
  });

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

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys, redisClient, storedMessages } from '../helpers/redis.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { nextEvent, onlineClient, recordMessages, untilCount } from './sdk-helpers.js';

let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ workers: 2, env: { RATE_LIMIT_MESSAGES: '1000' } });
  redis = redisClient();
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('the SDK across a lost connection', () => {
  it('a reconnect mid-conversation loses and duplicates nothing: each id once, in order', async () => {
    const proxy = await startTcpProxy(server.port);
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(proxy.url, 'Bia');
    const { chat_id: chatId } = await ana.createPublicChat('reconnect');
    await bia.joinChat(chatId);
    const seen = recordMessages(bia, chatId);

    const total = 60;
    for (let i = 1; i <= total; i++) {
      ana.send(chatId, `message ${i}`);
      // Take Bia's network away twice mid-stream, once for long enough that messages pile up.
      if (i === 15) proxy.cut();
      if (i === 30) {
        proxy.refuse();
        proxy.cut();
      }
      if (i === 45) proxy.accept();
      await new Promise((r) => setTimeout(r, 5));
    }
    await untilCount(seen, total);
    expect(seen.map((m) => m.id)).toEqual(ids(total));
    expect(seen.map((m) => m.body)).toEqual(ids(total).map((i) => `message ${i}`));
    // Still live after the storm.
    ana.send(chatId, 'after');
    await untilCount(seen, total + 1);
    expect(seen.at(-1)?.id).toBe(total + 1);
    expect(bia.messages(chatId).map((m) => m.id)).toEqual(ids(total + 1));
  });

  it('the outbox delivers what was sent offline, exactly once, and reports pending → sent → read', async () => {
    const proxy = await startTcpProxy(server.port);
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(proxy.url, 'Bia');
    const { chat_id: chatId } = await bia.createDm(ana.userId!);
    const anaSeen = recordMessages(ana, chatId);

    proxy.refuse();
    proxy.cut();
    await waitFor(
      () => bia.state,
      (state) => state !== 'online',
      { what: 'Bia to notice she is offline' },
    );
    const sent = ['one', 'two', 'three'].map((body) => bia.send(chatId, body));
    expect(bia.outbox(chatId).map((e) => [e.body, e.state])).toEqual([
      ['one', 'pending'],
      ['two', 'pending'],
      ['three', 'pending'],
    ]);

    const states: string[] = [];
    bia.on('message_state', (s) => {
      if (s.client_msg_id === sent[2]!.client_msg_id || s.message_id === 3) states.push(s.state);
    });
    proxy.accept();
    await untilCount(anaSeen, 3);
    expect(anaSeen.map((m) => [m.id, m.body, m.client_msg_id])).toEqual([
      [1, 'one', sent[0]!.client_msg_id],
      [2, 'two', sent[1]!.client_msg_id],
      [3, 'three', sent[2]!.client_msg_id],
    ]);
    await waitFor(
      () => bia.outbox().length,
      (n) => n === 0,
      { what: 'the outbox to empty' },
    );
    expect((await storedMessages(redis, chatId)).map((m) => m.body)).toEqual(['one', 'two', 'three']);

    const read = nextEvent(bia, 'message_state', (s) => s.message_id === 3 && s.state === 'read');
    ana.markRead(chatId, 3);
    await read;
    // Ana's device may tell it received them before she reads them (grey ✓✓ first): both are right.
    expect(states.filter((state) => state !== 'delivered')).toEqual(['sent', 'read']);
    expect(bia.messageState(chatId, 3)).toBe('read');
  });

  it('a message whose ack was lost is re-sent on reconnect and stored once (idempotent client_msg_id)', async () => {
    const proxy = await startTcpProxy(server.port);
    const ana = await onlineClient(server.url, 'Ana');
    const bia = await onlineClient(proxy.url, 'Bia');
    const { chat_id: chatId } = await bia.createDm(ana.userId!);
    const anaSeen = recordMessages(ana, chatId);
    const biaSeen = recordMessages(bia, chatId);

    proxy.muteDownstream(true); // the request reaches the server; its ack never comes back
    const entry = bia.send(chatId, 'lost ack');
    await untilCount(anaSeen, 1);
    expect(bia.outbox()).toHaveLength(1);
    proxy.cut();
    proxy.muteDownstream(false);
    await nextEvent(bia, 'message_state', (s) => s.client_msg_id === entry.client_msg_id && s.state === 'sent');
    expect(bia.outbox()).toHaveLength(0);
    expect(await redis.llen(keys.messages(chatId))).toBe(1);
    expect(anaSeen).toHaveLength(1);
    // Bia's copy comes with the resync: once.
    await untilCount(biaSeen, 1);
    expect(biaSeen.map((m) => [m.id, m.body])).toEqual([[1, 'lost ack']]);
    expect(bia.messages(chatId).map((m) => m.body)).toEqual(['lost ack']);
  });

  it('a refused message is kept as failed, never dropped silently, until discarded', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const entry = ana.send('c_doesnotexist', 'into the void');
    const failed = await nextEvent(ana, 'message_state', (s) => s.client_msg_id === entry.client_msg_id);
    expect(failed.state).toBe('failed');
    expect(ana.outbox()).toMatchObject([
      { client_msg_id: entry.client_msg_id, state: 'failed', error: { code: 'not_found' } },
    ]);
    ana.discard(entry.client_msg_id);
    expect(ana.outbox()).toEqual([]);
  });

  it('a session that ended is reported and not retried forever', async () => {
    const proxy = await startTcpProxy(server.port);
    const bia = await onlineClient(proxy.url, 'Bia');
    // The token and its session gone (a refresh alone would otherwise get a new token: see sdk/session).
    await redis.del(keys.token(bia.session!.token));
    await redis.del(keys.session(bia.session!.token.split('.')[0]!));
    const expired = nextEvent(bia, 'session_expired');
    proxy.cut();
    await expired;
    expect(bia.session).toBeNull();
  });
});

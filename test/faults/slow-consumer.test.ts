import { beforeAll, describe, expect, it } from 'vitest';
import { groupChat } from '../helpers/chat-actions.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { users } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';
import type { TestClient } from '../helpers/ws-client.js';
import { rawIds, upTo, vmRssKb } from './fault-helpers.js';

/**
 * A slow consumer: a client in a busy chat that stops reading its socket. Once its unsent bytes pass
 * MAX_SEND_BUFFER_BYTES the server drops it, instead of buffering for it without bound; the worker's memory
 * stays bounded, and the other members of the chat keep receiving everything, in order.
 *
 * What proves the bound is the drop itself, logged with the backlog it had (never more than the cap plus the
 * frame that crossed it). The RSS ceiling is only a sanity check: the server hands one shared Buffer per
 * event to every socket, so even an uncapped backlog would cost about the payload once, and at this volume
 * (~16 MB per member) RSS grows the same (~45 MB of working memory) with or without the cap.
 */
const CAP = 65_536;
const BODY = 'x'.repeat(4000); // near the 4096-character body limit: ~4 KB per frame
const RSS_GROWTH_LIMIT_KB = 150 * 1024;

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({
    env: { MAX_SEND_BUFFER_BYTES: String(CAP), RATE_LIMIT_MESSAGES: '1000000', WS_PING_INTERVAL_MS: '600000' },
  });
});

/** `count` sends from `client`, `window` in flight at once; resolves when all are acknowledged. */
async function blast(client: TestClient, chatId: string, count: number, window: number, next: () => number) {
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next() <= count) {
        const reply = await client.request('send_message', { chat_id: chatId, body: BODY }, 20_000);
        if (reply.type !== 'ack') throw new Error(`send refused: ${JSON.stringify(reply)}`);
      }
    }),
  );
}

describe('a slow consumer', () => {
  it('is dropped past the send-buffer cap; memory stays bounded; the others get everything in order', async () => {
    const [senderA, senderB, normal, slow] = await users(server, 4);
    const chatId = await groupChat(senderA!.client, [senderB!.client, normal!.client, slow!.client]);
    const worker = server.liveWorkerPids()[0]!;

    // The slow one stops reading: its socket is paused, so the kernel buffers fill, then the server's.
    slow!.client.ws.pause();
    const rssBefore = vmRssKb(worker);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, vmRssKb(worker));
    }, 50);

    // ~4 KB to each of the four members per message, from two senders: about 16 MB per member in all.
    const TOTAL = 4000;
    let issued = 0;
    const next = () => ++issued;
    await Promise.all([blast(senderA!.client, chatId, TOTAL, 8, next), blast(senderB!.client, chatId, TOTAL, 8, next)]);
    await waitFor(
      () => rawIds(normal!.client, chatId).length,
      (n) => n >= TOTAL,
      { what: `the normal client to receive ${TOTAL} messages`, timeoutMs: 20_000 },
    ).catch(() => {});
    clearInterval(sampler);
    expect(rawIds(normal!.client, chatId)).toEqual(upTo(TOTAL));
    expect(normal!.client.isOpen).toBe(true);
    expect(rssPeak - rssBefore, `worker RSS grew from ${rssBefore} kB to ${rssPeak} kB`).toBeLessThan(
      RSS_GROWTH_LIMIT_KB,
    );

    const dropped = await server.waitForLog((l) => l.msg === 'slow consumer dropped' && l.user === slow!.userId);
    // Dropped as soon as its backlog passed the cap: never more than the cap plus the frame that crossed it.
    expect(dropped.buffered).toBeGreaterThan(CAP);
    expect(dropped.buffered).toBeLessThanOrEqual(CAP + BODY.length + 512);

    // Reading again, the slow one finds an in-order prefix of the chat, then the cut (no close frame).
    slow!.client.ws.resume();
    const closed = await slow!.client.closed;
    expect(closed.code).toBe(1006);
    const got = rawIds(slow!.client, chatId);
    expect(got).toEqual(upTo(got.length));
    expect(got.length).toBeLessThan(TOTAL);
  });
});

import { readFileSync } from 'node:fs';
import { type ChatMessage, PapoClient } from '@papo/client';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { ServerProcess } from '../helpers/server-process.js';
import { ownerPid } from '../helpers/socket-owner.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import type { TestClient } from '../helpers/ws-client.js';
import { nextEvent, recordMessages } from '../sdk/sdk-helpers.js';

/**
 * Shared by the fault-injection tests: SDK clients whose sockets the test can see (to tell which worker holds
 * them), steady traffic, acknowledgement records, and the "each id once, in order" check.
 */

export type Acked = { chatId: string; id: number };

/** An SDK client (fast reconnects, as in test/sdk) plus what the test needs to watch it. */
export type Watched = {
  name: string;
  sdk: PapoClient;
  /** Every socket the SDK opened, oldest first (it opens a new one on each reconnect). */
  sockets: WebSocket[];
  /** client_msg_id → chat and message id, from the SDK's `message_state` sent/read events (acknowledged sends). */
  acked: Map<string, Acked>;
  /** Every `auth` (auth_ok) the SDK got: 1 + the number of reconnects. */
  auths: number;
};

/** Logs a temporary user in, connects, and resolves on its first auth_ok. Disconnected after the file. */
export async function watchedClient(baseUrl: string, name: string): Promise<Watched> {
  const sockets: WebSocket[] = [];
  class TrackedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  const sdk = new PapoClient({
    baseUrl,
    WebSocket: TrackedWebSocket as never,
    reconnectBaseMs: 50,
    reconnectMaxMs: 500,
  });
  onTeardown(() => sdk.disconnect());
  const watched: Watched = { name, sdk, sockets, acked: new Map(), auths: 0 };
  sdk.on('auth', () => {
    watched.auths++;
  });
  sdk.on('message_state', (s) => {
    if (s.client_msg_id && s.message_id !== undefined && (s.state === 'sent' || s.state === 'read')) {
      watched.acked.set(s.client_msg_id, { chatId: s.chat_id, id: s.message_id });
    }
  });
  await sdk.loginTemporary(name);
  const authed = nextEvent(sdk, 'auth');
  sdk.connect();
  await authed;
  return watched;
}

/** The local port of the SDK's current socket (what the server sees as the remote port). */
export function sdkLocalPort(client: Watched): number | undefined {
  const socket = client.sockets.at(-1) as unknown as { _socket?: { localPort?: number } } | undefined;
  return socket?._socket?.localPort;
}

/** The worker pid holding the SDK's current connection (read from /proc). */
export function sdkWorker(server: ServerProcess, client: Watched): Promise<number> {
  return waitFor(
    () => {
      const port = sdkLocalPort(client);
      return port === undefined ? undefined : ownerPid(server.liveWorkerPids(), server.port, port);
    },
    (pid) => pid !== undefined,
    { what: `the worker holding ${client.name}'s SDK connection`, timeoutMs: 3000 },
  ) as Promise<number>;
}

/** An SDK client whose connection landed on `wantPid` (reconnecting until the cluster hands it there). */
export async function watchedOnWorker(server: ServerProcess, name: string, wantPid: number): Promise<Watched> {
  const client = await watchedClient(server.url, name);
  for (let i = 0; i < 10; i++) {
    if ((await sdkWorker(server, client)) === wantPid) return client;
    const authed = nextEvent(client.sdk, 'auth');
    client.sdk.disconnect();
    client.sdk.connect();
    await authed;
  }
  throw new Error(`${name}: no SDK connection landed on worker ${wantPid} in 10 tries`);
}

/**
 * Steady traffic: `count` SDK sends into a chat, one every `everyMs`, bodies `${tag}-${i}`. The SDK queues
 * what it cannot send now (outbox) and re-sends after reconnecting. `progress.sent` counts sends so far.
 */
export function sdkTraffic(client: Watched, chatId: string, tag: string, count: number, everyMs: number) {
  const progress = { sent: 0, done: undefined as unknown as Promise<void> };
  progress.done = (async () => {
    for (let i = 1; i <= count; i++) {
      client.sdk.send(chatId, `${tag}-${i}`);
      progress.sent = i;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return progress;
}

/** Resolves once the SDK's outbox is empty: every send it queued was acknowledged. */
export function outboxDrained(client: Watched, timeoutMs = 20_000): Promise<unknown> {
  return waitFor(
    () => client.sdk.outbox().length,
    (n) => n === 0,
    { what: `${client.name}'s outbox to empty (all sends acknowledged)`, timeoutMs, intervalMs: 50 },
  );
}

/** The ids 1..n. */
export const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Records a chat's `message` events on each client (before traffic starts, so nothing is missed). */
export function recordAll(clients: Watched[], chatId: string): Map<Watched, ChatMessage[]> {
  return new Map(clients.map((c) => [c, recordMessages(c.sdk, chatId)]));
}

/**
 * The core delivery check: each record holds exactly the ids 1..total, once each, in order, and every
 * acknowledged send (client_msg_id → id) is the message at that id.
 */
export function expectEachOnceInOrder(
  records: Map<Watched, ChatMessage[]>,
  chatId: string,
  total: number,
  acked: Map<string, Acked>,
): void {
  for (const [client, seen] of records) {
    expect(
      seen.map((m) => m.id),
      `${client.name}: ids received`,
    ).toEqual(upTo(total));
    const byId = new Map(seen.map((m) => [m.id, m]));
    for (const [clientMsgId, { chatId: ackedChat, id }] of acked) {
      if (ackedChat !== chatId) continue;
      expect(byId.get(id)?.client_msg_id, `${client.name}: acked ${clientMsgId} is message ${id}`).toBe(clientMsgId);
    }
  }
}

/** Merges the acknowledged sends of several clients. */
export function allAcked(clients: Watched[]): Map<string, Acked> {
  const out = new Map<string, Acked>();
  for (const c of clients) for (const [k, v] of c.acked) out.set(k, v);
  return out;
}

/** The ids of a raw client's `message_created` frames for a chat, in arrival order. */
export function rawIds(client: TestClient, chatId: string): number[] {
  return client
    .all('message_created')
    .filter((f) => f.chat_id === chatId)
    .map((f) => f.message.id);
}

/** A process's resident memory in kB, from /proc (Linux). */
export function vmRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** Sleeps: only to pace traffic or hold a fault for a set time, never to wait for a result. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

import { type ChatMessage, type ClientEvents, PapoClient } from '@papo/client';
import WebSocket from 'ws';
import { onTeardown } from '../helpers/teardown.js';

/** A real SDK client in Node (Node 20 has no global WebSocket: the `ws` package's is passed in). */
export function sdkClient(baseUrl: string): PapoClient {
  const client = new PapoClient({
    baseUrl,
    WebSocket: WebSocket as never,
    reconnectBaseMs: 50,
    reconnectMaxMs: 500,
  });
  onTeardown(() => client.disconnect());
  return client;
}

/** Logs a temporary user in and connects; resolves on the first auth_ok. */
export async function onlineClient(baseUrl: string, name: string): Promise<PapoClient> {
  const client = sdkClient(baseUrl);
  await client.loginTemporary(name);
  const authed = nextEvent(client, 'auth');
  client.connect();
  await authed;
  return client;
}

export function nextEvent<K extends keyof ClientEvents>(
  client: PapoClient,
  name: K,
  accept: (payload: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(name)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(name, (payload) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Records every `message` event of a chat, to check each id arrives once and in order. */
export function recordMessages(client: PapoClient, chatId: string): ChatMessage[] {
  const seen: ChatMessage[] = [];
  client.on('message', (message) => {
    if (message.chat_id === chatId) seen.push(message);
  });
  return seen;
}

/** Resolves once `record` holds `count` messages. */
export function untilCount(record: unknown[], count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (record.length >= count) return resolve();
      if (Date.now() > deadline) return reject(new Error(`only ${record.length} of ${count} within ${timeoutMs} ms`));
      setTimeout(check, 20);
    };
    check();
  });
}

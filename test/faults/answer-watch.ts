import type { LoginAnswer } from '@papo/protocol';
import { login } from '../helpers/http.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { TestClient } from '../helpers/ws-client.js';
import { sleep } from './fault-helpers.js';

/**
 * Traffic whose every action must be answered: clients that keep actions going (each waits for the frame
 * that echoes its request_id, or for the socket to close) and a loop of new connections authenticating. Any
 * action not answered within `boundMs` is recorded as a hang, with when and where, for the test to report.
 */

export type Hang = { what: string; client: string; sentAt: number; waitedMs: number };

export type AnswerWatch = {
  /** Actions answered so far (a reply or an error frame), and of those the errors. */
  answered: number;
  errors: number;
  /** The longest any answer took (ms): how near the bound a run came. */
  slowestMs: number;
  /** Actions not answered within the bound. */
  hangs: Hang[];
  /** Actions sent and not answered yet, with when they were sent. */
  pending(): Array<{ what: string; client: string; sentAt: number }>;
  stop(): Promise<void>;
};

type Pending = { what: string; client: string; sentAt: number };

/**
 * Starts the traffic. `clients` each run `loops` request loops into `chatId` (send_message, sync, and a
 * typing frame, which has no reply of its own, between them); `churn` loops open a socket, authenticate (by
 * frame or `?token=`, alternately) and wait for `auth_ok`, an error or the close, then close it.
 */
export function watchAnswers(opts: {
  server: ServerProcess;
  clients: Array<{ name: string; client: TestClient }>;
  chatId: string;
  loops: number;
  churn: number;
  boundMs: number;
  paceMs: number;
}): AnswerWatch {
  const { clients, chatId, boundMs, paceMs } = opts;
  let running = true;
  const inFlight = new Set<Pending>();
  const watch: AnswerWatch = {
    answered: 0,
    errors: 0,
    slowestMs: 0,
    hangs: [],
    pending: () => [...inFlight],
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };

  async function tracked(p: Pending, answer: Promise<{ type: string } | 'closed'>): Promise<void> {
    inFlight.add(p);
    try {
      const reply = await answer;
      if (reply === 'closed') return;
      watch.answered++;
      watch.slowestMs = Math.max(watch.slowestMs, Date.now() - p.sentAt);
      if (reply.type === 'error') watch.errors++;
    } catch (err) {
      const message = (err as Error).message;
      // A socket that closed under its action answered nothing; the test decides whether a close is allowed.
      if (!/timed out/.test(message)) return;
      watch.hangs.push({ what: p.what, client: p.client, sentAt: p.sentAt, waitedMs: Date.now() - p.sentAt });
    } finally {
      inFlight.delete(p);
    }
  }

  async function actionLoop(name: string, client: TestClient, loop: number): Promise<void> {
    for (let i = 0; running && client.isOpen; i++) {
      const sentAt = Date.now();
      if (i % 3 === 2) {
        client.send('typing', { chat_id: chatId, is_typing: true });
        await tracked(
          { what: 'sync', client: name, sentAt },
          client.request('sync', { chat_id: chatId, after_id: 0, limit: 5 }, boundMs),
        );
      } else {
        const data = { chat_id: chatId, body: `${name}-${loop}-${i}`, client_msg_id: `${name}-${loop}-${i}` };
        await tracked({ what: 'send_message', client: name, sentAt }, client.request('send_message', data, boundMs));
      }
      await sleep(paceMs);
    }
  }

  /**
   * The churn's account. The first restart may come before the login is answered (on a busy machine it takes
   * longer than the pause before it): a 503 is the server's right answer in an outage, so it is tried again.
   */
  async function churnAccount(): Promise<LoginAnswer | undefined> {
    while (running) {
      try {
        return await login(opts.server.url);
      } catch (err) {
        if (!/answered 503/.test((err as Error).message)) throw err;
        await sleep(paceMs);
      }
    }
    return undefined;
  }

  async function churnLoop(loop: number): Promise<void> {
    const account = await churnAccount();
    for (let i = 0; running && account; i++) {
      const byToken = i % 2 === 1;
      const name = `churn-${loop}-${i}`;
      const sentAt = Date.now();
      let client: TestClient;
      try {
        client = await TestClient.connect(opts.server.wsUrl, { ...(byToken ? { token: account.token } : {}) });
      } catch {
        await sleep(paceMs); // the upgrade refused (a worker starting): no action was sent
        continue;
      }
      if (!byToken) client.send('auth', { token: account.token });
      const answer = Promise.race([
        client.nextWhere((f) => f.type === 'auth_ok' || f.type === 'error', boundMs, 'the answer to auth'),
        client.closed.then(() => 'closed' as const),
      ]);
      await tracked({ what: byToken ? 'auth (?token=)' : 'auth', client: name, sentAt }, answer);
      await client.close();
      await sleep(paceMs);
    }
  }

  const loops = [
    ...clients.flatMap(({ name, client }) => Array.from({ length: opts.loops }, (_, l) => actionLoop(name, client, l))),
    ...Array.from({ length: opts.churn }, (_, l) => churnLoop(l)),
  ];
  return watch;
}

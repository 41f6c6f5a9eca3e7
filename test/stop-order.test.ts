import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat, sendText, sync } from './helpers/chat-actions.js';
import { freePort, isAlive } from './helpers/ports.js';
import { startServer } from './helpers/server-process.js';
import { connectAuthed, connectWithToken } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';
import { waitFor } from './helpers/wait.js';

/** Alive and not a zombie (an orphan whose reaper has not waited for it yet still answers signal 0). */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
}

const dataDir = mkdtempSync(join(tmpdir(), 'papo-stop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * Ctrl-C in the terminal that ran `npm start` signals the whole foreground process group: the primary, its
 * workers and the redis-server it owns. Redis used to stop at once, before the workers had finished, and each
 * worker logged it going away (`redis unreachable, retrying`, `ENOENT redis.sock`).
 */
describe('stopping a server that owns its Redis', () => {
  it('Ctrl-C (SIGINT to the process group) while clients are busy: the workers stop first and Redis last: exit 0, not one warning, no redis-server left', async () => {
    const redisPort = await freePort();
    const server = await startServer({
      ownProcessGroup: true,
      workers: 2,
      env: { REDIS_URL: '', DATA_DIR: dataDir, LOCAL_REDIS_PORT: String(redisPort) },
    });
    const password = readFileSync(join(dataDir, 'redis', 'password'), 'utf8').trim();
    const redis = new Redis(redisPort, '127.0.0.1', { password, lazyConnect: true, retryStrategy: () => null });
    await redis.connect();
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    await redis.quit();
    expect(isAlive(redisPid)).toBe(true);

    const owner = await connectAuthed(server);
    const chatId = await createPublicChat(owner.client, 'busy at the stop');
    const members = await Promise.all(Array.from({ length: 6 }, () => connectAuthed(server)));
    for (const member of members) await joinChat(member.client, chatId);
    // Sends keep going while the signal arrives: the workers have actions in flight and events to relay.
    let sending = true;
    let acked = 0;
    const senders = members.map(async (member) => {
      while (sending) {
        const reply = await member.client
          .request('send_message', { chat_id: chatId, body: 'still talking' }, 5000)
          .catch(() => undefined);
        if (reply?.type === 'ack') acked++;
        else break; // the socket closed with the worker
      }
    });
    await waitFor(
      () => acked,
      (n) => n >= 30,
      { what: 'sends acknowledged before the stop' },
    );
    await sendText(owner.client, chatId, 'the last word');

    server.signalGroup('SIGINT');
    const exit = await server.exited;
    sending = false;
    await Promise.all(senders);

    expect(exit, server.output()).toEqual({ code: 0, signal: null });
    // The process may exit before its pipe is read to the end: the primary's last line comes last.
    const stopped = await server.waitForLog((l) => l.msg === 'stopped' && l.role === 'primary', 5000);
    const lines = server.logs();
    const warnings = lines.filter((l) => (l.level ?? 0) >= 40);
    expect(warnings, server.output()).toEqual([]);
    // Nothing but log lines on stdout and nothing at all on stderr (a crash, a Node warning).
    const notJson = server
      .output()
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('{'));
    expect(notJson).toEqual([]);
    const workerStops = lines.filter((l) => l.msg === 'worker stopped');
    expect(workerStops).toHaveLength(2);
    for (const w of workerStops) expect(Number(w.time)).toBeLessThanOrEqual(Number(stopped.time));
    expect(running(redisPid)).toBe(false);
  });

  it('a redis-server left running by a primary killed outright is stopped by the next start, which keeps its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'papo-leftover-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const env = { REDIS_URL: '', DATA_DIR: dir, LOCAL_REDIS_PORT: String(await freePort()) };
    const first = await startServer({ env });
    const ana = await connectAuthed(first);
    const chatId = await createPublicChat(ana.client, 'outlives a kill -9');
    const ack = await sendText(ana.client, chatId, 'kept');
    const leftover = Number(readFileSync(join(dir, 'redis', 'redis.pid'), 'utf8'));
    first.kill('SIGKILL');
    await first.exited;
    expect(isAlive(leftover)).toBe(true); // in a process group of its own, nobody stopped it

    const second = await startServer({ env });
    await second.waitForLog(
      (l) =>
        l.msg === 'a redis-server left running by an earlier start holds the data dir; stopping it first' &&
        l.pid !== undefined,
    );
    expect(running(leftover)).toBe(false);
    const again = await connectWithToken(second, ana.token);
    const history = await sync(again, chatId, 0);
    expect(history.messages.map((m) => [m.id, m.body])).toEqual([[ack.server_msg_id, 'kept']]);
    await second.stop();
  });
});

import { describe, expect, it } from 'vitest';
import { createPublicChat } from '../helpers/chat-actions.js';
import { api } from '../helpers/http.js';
import { type RedisProcess, redisRaw, startRedis } from '../helpers/redis-process.js';
import { type ServerProcess, START_TIMEOUT_MS, startServer } from '../helpers/server-process.js';
import { connectAuthed } from '../helpers/session.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import { sleep } from './fault-helpers.js';

/**
 * A worker whose Redis command link stays down: past REDIS_LINK_RECOVER_MS it says so at `error`, reports it in
 * /healthz (503 with the reason) and connects again; past REDIS_LINK_EXIT_MS, if Redis answers a new
 * connection (so the fault is this worker's), it exits and the primary replaces it; if Redis answers nobody,
 * it waits and serves again once Redis is back. And SIGTERM ends a worker even when Redis never answers.
 */
const LINK_ENV = {
  REDIS_COMMAND_TIMEOUT_MS: '500',
  PRESENCE_HEARTBEAT_MS: '200',
  PRESENCE_LEASE_MS: '20000',
  REDIS_LINK_RECOVER_MS: '1500',
  REDIS_LINK_EXIT_MS: '3000',
  SHUTDOWN_GRACE_MS: '1000',
};

async function ownRedis(): Promise<RedisProcess> {
  const redis = await startRedis();
  onTeardown(() => redis.stop());
  // Registered last so it runs first: never leave a stopped redis-server behind, whatever failed.
  onTeardown(() => {
    const pid = redis.pid();
    if (pid && redis.running()) process.kill(pid, 'SIGCONT');
  });
  return redis;
}

const health = (server: ServerProcess) => api(server.url, '/healthz');

/** Sends until one send is acknowledged (each try answered within a few seconds, `internal` meanwhile). */
async function sendsAgain(server: ServerProcess, timeoutMs: number): Promise<void> {
  const session = await waitFor(
    () => connectAuthed(server),
    () => true,
    { what: 'a new authenticated connection', timeoutMs },
  );
  const chatId = await createPublicChat(session.client);
  const reply = await session.client.request('send_message', { chat_id: chatId, body: 'back' }, 3000);
  expect(reply.type).toBe('ack');
}

describe('Redis frozen (SIGSTOP) past both bounds', () => {
  it('the worker reports it (503, a reason, an error line), keeps trying, does not exit, and recovers', async () => {
    const redis = await ownRedis();
    const server = await startServer({ redisUrl: redis.url, env: LINK_ENV });
    const [pid] = server.liveWorkerPids();
    process.kill(redis.pid()!, 'SIGSTOP');

    const down = await server.waitForLog((l) => l.msg === 'redis command link down; connecting again', 10_000);
    expect(down.level).toBe(50); // error
    const report = await waitFor(
      () => health(server),
      (r) => r.status === 503 && /heartbeat|Redis command connection/.test(String(r.body?.message)),
      { what: '/healthz 503 with the link watchdog’s reason', timeoutMs: 5000 },
    );
    expect(report.body).toMatchObject({ status: 'unavailable', error: 'internal' });
    // Past the exit bound: a new connection gets no answer either, so this is Redis, not the worker.
    await server.waitForLog((l) => l.msg === 'redis does not answer a new connection either; waiting', 10_000);

    process.kill(redis.pid()!, 'SIGCONT');
    await server.waitForLog((l) => l.msg === 'redis link back', 15_000);
    await waitFor(
      () => health(server).then((r) => r.status),
      (s) => s === 200,
      { what: '/healthz 200 again', timeoutMs: 10_000 },
    );
    await sendsAgain(server, 5000);
    expect(server.liveWorkerPids()).toEqual([pid]);
    expect(server.logs().filter((l) => l.msg === 'worker replaced')).toEqual([]);
  }, 120_000);
});

describe('a link that stays down while Redis answers new connections', () => {
  it('the worker exits past REDIS_LINK_EXIT_MS and the primary replaces it; the replacement serves', async () => {
    const redis = await ownRedis();
    const server = await startServer({ redisUrl: redis.url, env: LINK_ENV });
    const [pid] = server.liveWorkerPids();
    const before = await connectAuthed(server);

    // Writes (scripts among them) wait unanswered while reads and new connections' PINGs are served: the
    // worker's heartbeat cannot write, and connecting again does not help.
    await redisRaw(redis.port, ['CLIENT', 'PAUSE', '8000', 'WRITE']);
    const down = await server.waitForLog((l) => l.msg === 'redis command link down; connecting again', 10_000);
    expect(down.pid).toBe(pid);
    const exiting = await server.waitForLog(
      (l) => l.msg === 'redis answers a new connection but not this worker: exiting so the primary replaces it',
      15_000,
    );
    expect(exiting.pid).toBe(pid);
    // Its sockets were closed (service restart), not left hanging.
    expect((await before.client.closed).code).toBe(1012);
    await server.waitForLog((l) => l.msg === 'worker replaced' && l.pid === pid, 10_000);

    await redisRaw(redis.port, ['CLIENT', 'UNPAUSE']);
    const replacement = await waitFor(
      () => server.liveWorkerPids(),
      (pids) => pids.length === 1 && pids[0] !== pid,
      { what: 'a replacement worker', timeoutMs: START_TIMEOUT_MS },
    );
    expect(replacement).not.toContain(pid);
    await waitFor(
      () => health(server).then((r) => r.status),
      (s) => s === 200,
      { what: '/healthz 200 from the replacement', timeoutMs: START_TIMEOUT_MS },
    );
    await sendsAgain(server, 10_000);
  }, 120_000);
});

describe('SIGTERM while Redis is frozen', () => {
  it('every worker stops by itself within the grace and its bounded tail; the primary exits cleanly', async () => {
    const redis = await ownRedis();
    const server = await startServer({
      redisUrl: redis.url,
      workers: 2,
      env: { ...LINK_ENV, REDIS_COMMAND_TIMEOUT_MS: '5000' },
    });
    const workers = server.liveWorkerPids();
    const sessions = await Promise.all([connectAuthed(server), connectAuthed(server), connectAuthed(server)]);
    const chatId = await createPublicChat(sessions[0]!.client);
    process.kill(redis.pid()!, 'SIGSTOP');
    // An action in flight that Redis will never answer, on each of a few connections.
    for (const s of sessions) s.client.send('send_message', { chat_id: chatId, body: 'never answered' });
    await sleep(100);

    const result = await server.stop();
    expect(result).toMatchObject({ code: 0, leftoverWorkers: [] });
    // Each worker got to the end of its stop (the primary did not have to kill it).
    const stopped = server.logs().filter((l) => l.msg === 'worker stopped');
    expect(stopped.map((l) => l.pid).sort()).toEqual([...workers].sort());
    expect(server.logs().filter((l) => l.msg === 'worker stop did not finish; exiting')).toEqual([]);
  }, 120_000);
});

describe('a worker whose event loop stops turning', () => {
  it('is killed by the primary after WORKER_STALL_MS and replaced; the replacement serves', async () => {
    const redis = await ownRedis();
    const server = await startServer({ redisUrl: redis.url, env: { ...LINK_ENV, WORKER_STALL_MS: '2000' } });
    const [pid] = server.liveWorkerPids();
    // A frozen process stands for any worker that no longer turns its event loop (no timer, no I/O).
    process.kill(pid!, 'SIGSTOP');
    onTeardown(() => {
      if (server.liveWorkerPids().includes(pid!)) process.kill(pid!, 'SIGKILL');
    });
    const killed = await server.waitForLog((l) => l.msg === 'worker unresponsive; killing it', 15_000);
    expect(killed).toMatchObject({ pid, level: 50 }); // the primary's line names the worker
    expect(killed.silent_ms).toBeGreaterThanOrEqual(2000);
    await server.waitForLog((l) => l.msg === 'worker replaced' && l.pid === pid, 10_000);
    await waitFor(
      () => server.liveWorkerPids(),
      (pids) => pids.length === 1 && pids[0] !== pid,
      { what: 'the replacement worker', timeoutMs: START_TIMEOUT_MS },
    );
    await sendsAgain(server, 10_000);
  }, 120_000);
});

import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat } from './helpers/chat-actions.js';
import { keys, redisClient } from './helpers/redis.js';
import { type RedisProcess, startRedis } from './helpers/redis-process.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectAuthed, type Session } from './helpers/session.js';
import { onTeardown } from './helpers/teardown.js';
import { waitFor } from './helpers/wait.js';

/**
 * A user's last connection closing costs a handful of Redis commands whatever the number of their chats:
 * "stopped typing" is announced only where that connection was typing. Counted with INFO commandstats on a
 * Redis of this file's own, with the server's timers (heartbeat, sweep) far off so nothing else runs.
 */
const MANY_CHATS = 300;

let redisProc: RedisProcess;
let redis: Redis;
let server: ServerProcess;
let workerId: string;

beforeAll(async () => {
  redisProc = await startRedis();
  onTeardown(() => redisProc.stop());
  redis = redisClient(redisProc.url);
  server = await startServer({
    redisUrl: redisProc.url,
    env: {
      CHATS_PER_HOUR: '10000',
      PRESENCE_HEARTBEAT_MS: '600000',
      PRESENCE_LEASE_MS: '1200000',
      PRESENCE_SWEEP_MS: '600000',
    },
  });
  // Read from the server's output as it comes: the line may follow the start by a moment on a busy machine.
  const listening = await waitFor(
    () => server.logs().find((l) => l.msg === 'worker listening'),
    (line) => line !== undefined,
    { what: 'the "worker listening" line' },
  );
  workerId = String(listening?.workerId);
});

/** Commands Redis ran, by name, since the last CONFIG RESETSTAT. */
async function commandCounts(): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts.set(match[1]!, Number(match[2]));
  return counts;
}

/**
 * Closes the session's socket and counts the commands its disconnect cost, once its lease record (the last
 * step) is gone. Left out: this file's own (INFO, CONFIG, the SSCAN polls) and the hub's SUNSUBSCRIBEs,
 * which leave chats this worker no longer follows (subscriptions, not the disconnect's store work).
 */
async function disconnectCost(session: Session): Promise<{ total: number; scripts: number }> {
  await redis.config('RESETSTAT');
  await session.client.close();
  await waitFor(
    async () => (await redis.sscan(`presence:worker:{${workerId}}`, 0, 'MATCH', `${session.userId} *`))[1].length,
    (left) => left === 0,
    { what: `${session.username}'s lease record dropped` },
  );
  const counts = await commandCounts();
  const ours = new Set(['info', 'config|resetstat', 'sscan', 'sunsubscribe']);
  let total = 0;
  for (const [name, calls] of counts) if (!ours.has(name)) total += calls;
  return { total, scripts: (counts.get('evalsha') ?? 0) + (counts.get('eval') ?? 0) };
}

describe('the cost of a disconnect', () => {
  it('does not grow with the number of chats; a user who was typing is announced as stopped', async () => {
    const ana = await connectAuthed(server);
    const bia = await connectAuthed(server);
    const caio = await connectAuthed(server);
    const chats: string[] = [];
    for (let i = 0; i < MANY_CHATS; i += 50) {
      chats.push(...(await Promise.all(Array.from({ length: 50 }, () => createPublicChat(ana.client)))));
    }
    for (let i = 0; i < 3; i++) await createPublicChat(caio.client);
    await joinChat(bia.client, chats[0]!);

    // Ana types in one of her 300 chats, then her only connection closes.
    ana.client.send('typing', { chat_id: chats[0]!, is_typing: true });
    await bia.client.next('typing', (e) => e.user_id === ana.userId && e.is_typing === true);
    const many = await disconnectCost(ana);
    expect(await bia.client.next('typing', (e) => e.user_id === ana.userId)).toMatchObject({
      chat_id: chats[0],
      is_typing: false,
    });
    await bia.client.next('presence', (e) => e.user_id === ana.userId && e.status === 'offline');
    expect(await redis.exists(keys.typing(chats[0]!, ana.userId))).toBe(0);

    // Caio, in 3 chats and typing nowhere.
    const few = await disconnectCost(caio);

    // The one typing-stop (a script, and the DEL and SPUBLISH it runs: commandstats counts commands run by
    // scripts too) is Ana's only extra; everything else is the same fixed handful.
    expect(many.scripts, 'scripts run for a 300-chat user').toBeLessThanOrEqual(2);
    expect(many.total, 'commands for a 300-chat user').toBeLessThanOrEqual(few.total + 3);
    expect(few.total, 'commands for a 3-chat user').toBeLessThanOrEqual(12);
  });
});

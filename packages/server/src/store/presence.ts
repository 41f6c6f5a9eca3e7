import { okOrThrow, type ReadCommand, readAll, type StoreContext } from './store.js';

const REAP_BATCH = 64;
const DISCONNECT_RETRY_MS = [1000, 5000, 15_000];
/** How long a reaper's claim on a dead worker's records lasts before another reaper may take it over. */
const CLAIM_MS = 30_000;

/**
 * Connection records and worker leases: a user is online while any of their connections is recorded.
 *
 * The records span slots (the user's connection hash, the worker's record set, the online set, each chat's
 * typing key), so connecting and disconnecting are steps, ordered so that a crash anywhere leaves something
 * the lease reaper finishes:
 * - connect writes the worker's record of the connection first, then the user's connection hash: a worker
 *   that dies after either has its records reaped when its lease expires;
 * - disconnect drops the connection from the user's hash, marks the user offline when it was the last one,
 *   and only then forgets the worker's record: until that last step the reaper would redo the rest (it
 *   repairs a user left with no connection but not marked offline);
 * - a reaper claims a dead worker's lease before reaping (claim-workers.lua), and drops only records that
 *   still name that worker, so a worker that lost its lease and came back under a new id keeps its users.
 */
export function createPresenceStore({ redis, run, keys, config }: StoreContext, baseWorkerId: string) {
  let workerId = baseWorkerId;
  let generation = 0;
  /** The worker id each local connection was recorded under (it changes when a lost lease is replaced). */
  const owners = new Map<string, string>();

  function nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Presence goes to every worker; each forwards it to its connections that share one of the user's chats. */
  function publishPresence(userId: string, status: 'online' | 'offline', lastSeen: number, chats: string[]) {
    const json = `{"type":"presence","user_id":"${userId}","status":"${status}","last_seen":${lastSeen}}`;
    return redis.spublish(keys.presenceChannel, `p${userId} ${chats.join(' ')}\n${json}`);
  }

  /** The user's last connection is gone: offline, last_seen, and "stopped typing" wherever they were typing. */
  async function userGone(userId: string): Promise<void> {
    const now = nowSeconds();
    const [chats] = (await Promise.all([
      redis.smembers(keys.userChats(userId)),
      redis.set(keys.lastSeen(userId), now),
      redis.srem(keys.onlineUsers, userId),
    ])) as [string[], unknown, unknown];
    await Promise.all(
      chats.map((chatId) =>
        run(
          'typing-stop',
          [keys.typing(chatId, userId)],
          [
            keys.chatChannel(chatId),
            JSON.stringify({ type: 'typing', chat_id: chatId, user_id: userId, is_typing: false }),
          ],
        ),
      ),
    );
    await publishPresence(userId, 'offline', now, chats);
    // The user connected again (elsewhere) while this ran: their connect saw another connection and said
    // nothing, so put them back online. A connect after this check sees none and announces itself.
    if ((await redis.hlen(keys.presenceConns(userId))) > 0) {
      await redis.sadd(keys.onlineUsers, userId);
      await publishPresence(userId, 'online', now, chats);
    }
  }

  /** Drops one connection record; true when the user went offline. */
  async function dropConnection(owner: string, userId: string, connId: string, repair: boolean): Promise<boolean> {
    const gone = await run('conn-drop', [keys.presenceConns(userId)], [connId, owner, repair ? '1' : '0']);
    if (gone === 1) await userGone(userId);
    return gone === 1;
  }

  /** A connection of this worker is gone: its record in the user's hash first, the lease record last. */
  async function forgetConnection(owner: string, userId: string, connId: string): Promise<void> {
    await dropConnection(owner, userId, connId, false);
    await redis.srem(keys.presenceWorker(owner), `${userId} ${connId}`);
  }

  /** Drops every record of claimed workers, a batch of connections at a time; returns users gone offline. */
  async function reap(workers: string[]): Promise<number> {
    let gone = 0;
    for (const owner of workers) {
      const recordSet = keys.presenceWorker(owner);
      const entries = await redis.smembers(recordSet);
      for (let i = 0; i < entries.length; i += REAP_BATCH) {
        const dropped = await Promise.all(
          entries.slice(i, i + REAP_BATCH).map((entry) => {
            const space = entry.indexOf(' ');
            return dropConnection(owner, entry.slice(0, space), entry.slice(space + 1), true);
          }),
        );
        gone += dropped.filter(Boolean).length;
      }
      await redis.del(recordSet);
      await run('release-worker', [keys.presenceWorkers], [owner]);
    }
    return gone;
  }

  /**
   * Records an authenticated connection; returns the user's chats and each one's last message id (where
   * live delivery starts, so the worker can tell a gap from then on). `limit: false` re-records a connection
   * that is already open (after a lapsed lease), which the per-user limit must not refuse.
   */
  async function connect(
    userId: string,
    connId: string,
    profile: { username?: string; avatar_url?: string },
    limit = true,
  ): Promise<{ chats: string[]; lastIds: number[] }> {
    const record = `${userId} ${connId}`;
    const owner = workerId;
    const [touched, recorded] = await Promise.allSettled([
      run('user-profile', [keys.user(userId)], ['touch', profile.username ?? '', profile.avatar_url ?? '', '']),
      redis.sadd(keys.presenceWorker(owner), record),
    ]);
    if (touched.status === 'rejected' || recorded.status === 'rejected' || touched.value !== 1) {
      await redis.srem(keys.presenceWorker(owner), record).catch(() => {});
      if (touched.status === 'rejected') throw touched.reason;
      if (recorded.status === 'rejected') throw recorded.reason;
      if (Array.isArray(touched.value)) okOrThrow(touched.value); // past its deadline
      okOrThrow(['invalid_token']);
    }
    // The user's chats and last_seen do not wait for the connection record: one round trip fewer.
    const now = nowSeconds();
    const [added, listed, seen] = await Promise.allSettled([
      run('conn-add', [keys.presenceConns(userId)], [connId, owner, limit ? config.maxConnectionsPerUser : 0]),
      redis.smembers(keys.userChats(userId)),
      redis.set(keys.lastSeen(userId), now),
    ]);
    let connections: number;
    try {
      if (added.status === 'rejected') throw added.reason;
      [connections] = okOrThrow(added.value) as [number];
    } catch (err) {
      // Refused, or no answer: it may have been recorded all the same (a reply lost after the script ran).
      await forgetConnection(owner, userId, connId).catch(() => {});
      throw err;
    }
    const first = Number(connections) === 1;
    // Recorded: a failure from here on takes the record back (as a disconnect), or the user would stay
    // online with no connection until this worker's lease ran out.
    let chats: string[];
    let lastIds: unknown[];
    try {
      if (listed.status === 'rejected') throw listed.reason;
      if (seen.status === 'rejected') throw seen.reason;
      chats = listed.value;
      [lastIds] = await Promise.all([
        readAll(
          redis,
          chats.map((chatId): ReadCommand => ['hget', keys.chat(chatId), 'last_id']),
        ),
        first ? redis.sadd(keys.onlineUsers, userId) : undefined,
        first ? publishPresence(userId, 'online', now, chats) : undefined,
      ]);
    } catch (err) {
      await forgetConnection(owner, userId, connId).catch(() => {});
      throw err;
    }
    owners.set(connId, owner);
    // The lease was replaced while this ran (a new worker id): record the connection again under it, as
    // the heartbeat did for the connections that were already open.
    if (owner !== workerId) return connect(userId, connId, {}, false);
    return { chats, lastIds: lastIds.map((id) => Number(id ?? 0)) };
  }

  return {
    get workerId(): string {
      return workerId;
    },

    connect,

    /**
     * Drops a closed connection's records; tried again a few times (Redis away, a failover), as nothing else
     * would: the lease reaper only acts for dead workers.
     */
    async disconnect(userId: string, connId: string): Promise<void> {
      const owner = owners.get(connId) ?? workerId;
      owners.delete(connId);
      for (let attempt = 0; ; attempt++) {
        try {
          await forgetConnection(owner, userId, connId);
          return;
        } catch (err) {
          if (attempt >= DISCONNECT_RETRY_MS.length) throw err;
          await new Promise((resolve) => setTimeout(resolve, DISCONNECT_RETRY_MS[attempt]));
        }
      }
    },

    /**
     * Renews this worker's lease; false when it had been lost (lapsed and claimed by a reaper): the worker
     * then holds a new lease under a new id, and must record its connections again (`connect` with
     * `limit: false`).
     */
    async heartbeat(): Promise<boolean> {
      const expiry = Date.now() + config.presenceLeaseMs;
      if ((await run('heartbeat', [keys.presenceWorkers], [workerId, expiry, generation === 0 ? '1' : '0'])) === 1) {
        if (generation === 0) generation = 1;
        return true;
      }
      // Hold the new lease before anything is recorded under its id.
      const next = `${baseWorkerId}.${generation + 1}`;
      await run('heartbeat', [keys.presenceWorkers], [next, expiry, '1']);
      generation++;
      workerId = next;
      return false;
    },

    /** Drops the records of workers whose lease expired; returns how many users went offline. */
    async reapExpired(): Promise<number> {
      const now = Date.now();
      const claimed = (await run('claim-workers', [keys.presenceWorkers], [now, now + CLAIM_MS, ''])) as string[];
      return claimed.length > 0 ? reap(claimed) : 0;
    },

    /** Drops every record of this worker (clean shutdown). */
    async releaseSelf(): Promise<void> {
      const now = Date.now();
      await run('claim-workers', [keys.presenceWorkers], [now, now + CLAIM_MS, workerId]);
      await reap([workerId]);
    },
  };
}

export type PresenceStore = ReturnType<typeof createPresenceStore>;

import type { Logger } from '../log.js';
import { okOrThrow, type ReadCommand, readAll, type StoreContext } from './store.js';

const REAP_BATCH = 64;
const RELEASE_RETRY_MS = [1000, 5000, 15_000];
/** How long a reaper's claim on a dead worker's records lasts before another reaper may take it over. */
const CLAIM_MS = 30_000;

/** What `connect` answers: the user's chats and each one's last message id. */
export type Recorded = { chats: string[]; lastIds: number[] };

/** A local connection being recorded (auth, or again after a lapsed lease): a close meanwhile is noted here. */
type InFlight = { closed: boolean; typingIn: string[] };

/**
 * Connection records and worker leases: a user is online while any of their connections is recorded.
 *
 * The records span slots (the user's connection hash, the worker's record set, the online set), so connecting
 * and disconnecting are steps, ordered so that a crash anywhere leaves something the lease reaper finishes:
 * - connect writes the worker's record of the connection first, then the user's connection hash: a worker
 *   that dies after either has its records reaped when its lease expires;
 * - disconnect drops the connection from the user's hash, marks the user offline when it was the last one,
 *   and only then forgets the worker's record: until that last step the reaper would redo the rest (it
 *   repairs a user left with no connection but not marked offline);
 * - a reaper claims a dead worker's lease before reaping (claim-workers.lua), and drops only records that
 *   still name that worker, so a worker that lost its lease and came back under a new id keeps its users.
 *
 * A socket may close at any point of its `auth`, and its worker is alive, so no reaper would ever drop what
 * that auth records. Each connection is therefore released exactly once, by whichever comes second: the
 * close (`release`) of a connection recorded already, or the recording (`connect`, `recordAgain`) of one
 * that closed while it ran. The sweep (`sweep`) is the safety net under that rule: it drops records of
 * this worker whose connection the transport no longer holds.
 */
export function createPresenceStore({ redis, run, keys, config }: StoreContext, baseWorkerId: string, log: Logger) {
  let workerId = baseWorkerId;
  let generation = 0;
  /** The worker id each recorded local connection is under (it changes when a lost lease is replaced). */
  const owners = new Map<string, string>();
  /** Connections being recorded now; a close meanwhile leaves their release to the recording. */
  const inFlight = new Map<string, InFlight>();
  /** Connections whose records are being dropped now (the sweep leaves them alone). */
  const releasing = new Set<string>();

  function nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Presence goes to every worker; each forwards it to its connections that share one of the user's chats. */
  function publishPresence(userId: string, status: 'online' | 'offline', lastSeen: number, chats: string[]) {
    const json = `{"type":"presence","user_id":"${userId}","status":"${status}","last_seen":${lastSeen}}`;
    return redis.spublish(keys.presenceChannel, `p${userId} ${chats.join(' ')}\n${json}`);
  }

  /**
   * The user's last connection is gone: offline and last_seen. A fixed handful of commands whatever the
   * number of chats: "stopped typing" is announced by the closing connection for the chats it typed in
   * (`release`), and a typing key left by a dead worker expires on its own (5 s).
   */
  async function userGone(userId: string): Promise<void> {
    const now = nowSeconds();
    const [chats] = (await Promise.all([
      redis.smembers(keys.userChats(userId)),
      redis.set(keys.lastSeen(userId), now),
      redis.srem(keys.onlineUsers, userId),
    ])) as [string[], unknown, unknown];
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
    const gone = await run(
      'conn-drop',
      [keys.presenceConns(userId), keys.presenceHidden(userId)],
      [connId, owner, repair ? '1' : '0'],
    );
    if (gone === 1) await userGone(userId);
    return gone === 1;
  }

  /** A connection of this worker is gone: its record in the user's hash first, the lease record last. */
  async function forgetConnection(owner: string, userId: string, connId: string, repair = false): Promise<void> {
    await dropConnection(owner, userId, connId, repair);
    await redis.srem(keys.presenceWorker(owner), `${userId} ${connId}`);
  }

  /**
   * Drops a closed connection's records; tried again a few times (Redis away, a failover), as nothing else
   * would but the sweep. A retry repairs: an earlier try may have dropped the record and failed after.
   */
  async function forgetClosed(owner: string, userId: string, connId: string): Promise<void> {
    releasing.add(connId);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await forgetConnection(owner, userId, connId, attempt > 0);
          return;
        } catch (err) {
          if (attempt >= RELEASE_RETRY_MS.length) throw err;
          await new Promise((resolve) => setTimeout(resolve, RELEASE_RETRY_MS[attempt]));
        }
      }
    } finally {
      releasing.delete(connId);
    }
  }

  /** "Stopped typing" in each chat where the key is still there (typing-stop.lua publishes only then). */
  async function stopTyping(userId: string, chatIds: string[]): Promise<void> {
    await Promise.all(
      chatIds.map((chatId) =>
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
  }

  /** Release in the background (the close is not waiting), logging what could not be undone. */
  function releaseLater(owner: string, userId: string, connId: string, typingIn: string[]): void {
    void Promise.allSettled([stopTyping(userId, typingIn), forgetClosed(owner, userId, connId)]).then((results) => {
      for (const r of results) {
        if (r.status === 'rejected') {
          // The sweep drops the record later; a typing key expires on its own.
          log.warn({ conn: connId, err: (r.reason as Error).message }, 'disconnect not recorded');
        }
      }
    });
  }

  /**
   * The recording steps of a connection; returns the worker id it is recorded under. A failure takes back
   * whatever was written before it throws. `limit: false` re-records a connection that is already open
   * (after a lapsed lease), which the per-user limit must not refuse.
   */
  async function record(
    userId: string,
    connId: string,
    profile: { username?: string; avatar_url?: string },
    limit: boolean,
  ): Promise<Recorded & { owner: string }> {
    const entry = `${userId} ${connId}`;
    const owner = workerId;
    const [touched, recorded] = await Promise.allSettled([
      run('user-profile', [keys.user(userId)], ['touch', profile.username ?? '', profile.avatar_url ?? '', '']),
      redis.sadd(keys.presenceWorker(owner), entry),
    ]);
    if (touched.status === 'rejected' || recorded.status === 'rejected' || touched.value !== 1) {
      await redis.srem(keys.presenceWorker(owner), entry).catch(() => {});
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
    // The lease was replaced while this ran (a new worker id): record the connection again under it, as
    // the heartbeat did for the connections that were already open.
    if (owner !== workerId) return record(userId, connId, {}, false);
    return { chats, lastIds: lastIds.map((id) => Number(id ?? 0)), owner };
  }

  /**
   * Runs a recording with the connection marked in flight, then settles the race with its close: recorded
   * and still open, it is held (`owners`); closed meanwhile, the recording releases it itself. Undefined
   * when the connection closed meanwhile.
   */
  async function recordHeld(
    userId: string,
    connId: string,
    steps: () => Promise<Recorded & { owner: string }>,
  ): Promise<Recorded | undefined> {
    const flight: InFlight = { closed: false, typingIn: [] };
    inFlight.set(connId, flight);
    let result: Recorded & { owner: string };
    try {
      result = await steps();
    } catch (err) {
      // Nothing of this recording is left (record() takes back what it wrote); one closed meanwhile that
      // was recorded before (a re-record) still holds its earlier records.
      inFlight.delete(connId);
      const earlier = owners.get(connId);
      if (flight.closed && earlier !== undefined) {
        owners.delete(connId);
        releaseLater(earlier, userId, connId, flight.typingIn);
      }
      throw err;
    }
    inFlight.delete(connId);
    if (flight.closed) {
      owners.delete(connId);
      releaseLater(result.owner, userId, connId, flight.typingIn);
      return undefined;
    }
    owners.set(connId, result.owner);
    return result;
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

  return {
    get workerId(): string {
      return workerId;
    },

    /**
     * Records an authenticated connection (the user is online); returns the user's chats and each one's last
     * message id (where live delivery starts, so the worker can tell a gap from then on). Undefined when the
     * connection was released while this ran: nothing of it is left recorded.
     */
    connect(userId: string, connId: string, profile: { username?: string; avatar_url?: string }) {
      return recordHeld(userId, connId, () => record(userId, connId, profile, true));
    },

    /**
     * A connection closed: its records go, once, and "stopped typing" is announced where it was typing.
     * Safe to call for a connection never recorded, or whose recording is still running (that recording
     * then releases it when it ends).
     */
    release(userId: string | undefined, connId: string, typingIn: string[] = []): void {
      const flight = inFlight.get(connId);
      if (flight) {
        flight.closed = true;
        flight.typingIn = typingIn;
        return;
      }
      const owner = owners.get(connId);
      if (owner === undefined || userId === undefined) return;
      owners.delete(connId);
      releaseLater(owner, userId, connId, typingIn);
    },

    /**
     * After a lapsed lease: records the given open connections again under the new lease (`heartbeat`
     * returned false). Each apart: one that fails is logged and left to its next connect, not the rest.
     * Returns how many failed.
     */
    async recordAgain(open: Array<{ userId: string; connId: string }>): Promise<number> {
      const again = open.filter(({ connId }) => owners.has(connId) && !inFlight.has(connId));
      const results = await Promise.allSettled(
        again.map(({ userId, connId }) => recordHeld(userId, connId, () => record(userId, connId, {}, false))),
      );
      return results.filter((r) => r.status === 'rejected').length;
    },

    /**
     * Renews this worker's lease; false when it had been lost (lapsed and claimed by a reaper): the worker
     * then holds a new lease under a new id, and must record its connections again (`recordAgain`).
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

    /**
     * The safety net: drops this worker's records of connections the transport does not hold (not in
     * `held()`, asked once the records are read, so a connection recorded meanwhile counts) and that are
     * neither being recorded nor released now; returns how many it dropped.
     */
    async sweep(held: () => ReadonlySet<string>): Promise<number> {
      const owner = workerId;
      const entries = await redis.smembers(keys.presenceWorker(owner));
      const open = held();
      const stale = entries.filter((entry) => {
        const connId = entry.slice(entry.indexOf(' ') + 1);
        return !open.has(connId) && !inFlight.has(connId) && !releasing.has(connId);
      });
      for (let i = 0; i < stale.length; i += REAP_BATCH) {
        await Promise.all(
          stale.slice(i, i + REAP_BATCH).map((entry) => {
            const space = entry.indexOf(' ');
            const connId = entry.slice(space + 1);
            owners.delete(connId);
            // No repair: the records read may be older than a release that finished since, whose user is
            // offline already and must not be announced twice.
            return forgetConnection(owner, entry.slice(0, space), connId);
          }),
        );
      }
      return stale.length;
    },

    /**
     * Notes whether a connection is in front of its user (set_active): the push rule pushes a user none of
     * whose connections is active. False when the connection is not recorded (nothing is noted).
     */
    async setActive(userId: string, connId: string, active: boolean): Promise<boolean> {
      const noted = await run(
        'set-active',
        [keys.presenceConns(userId), keys.presenceHidden(userId)],
        [connId, active ? '1' : '0', nowSeconds()],
      );
      return noted === 1;
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

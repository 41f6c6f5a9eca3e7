import { ReplyError } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { PresenceStore } from './store/presence.js';
import type { LinkWatch } from './store/redis-watchdog.js';
import type { Connection } from './transport/connection.js';

/**
 * A worker's periodic presence work: the heartbeat (its lease, records again after a lost lease, reaping dead
 * workers) and the sweep. Neither overlaps itself, and neither can be stuck unseen: a heartbeat that has not
 * finished by its deadline is logged and counts as a failure for the Redis link watchdog.
 */
export function startPresenceUpkeep(deps: {
  config: Config;
  log: Logger;
  presence: PresenceStore;
  connections: ReadonlySet<Connection>;
  link: LinkWatch;
}) {
  const { config, log, presence, connections, link } = deps;
  // Two scripts for the lease at most, each bounded by the command timeout; the rest (reaping) may take a
  // heartbeat's interval more before it counts as stuck.
  const deadlineMs = 2 * config.redisCommandTimeoutMs + config.presenceHeartbeatMs;

  // The lease on this worker's connection records; if it lapsed (Redis was away longer than the lease) the
  // records were reaped and the users announced offline, so they are recorded again.
  async function heartbeat(): Promise<void> {
    const held = await presence.heartbeat();
    link.heartbeatOk();
    if (!held) {
      const open = [...connections].filter((conn) => conn.state === 'authenticated' && conn.userId);
      const failed = await presence.recordAgain(open.map((conn) => ({ userId: conn.userId!, connId: conn.id })));
      if (failed > 0) log.warn({ failed, connections: open.length }, 'some connections not recorded again');
    }
    const gone = await presence.reapExpired();
    if (gone > 0) log.info({ users: gone }, 'users of a dead worker marked offline');
  }

  let beating: Promise<void> | undefined;
  /** One heartbeat now, unless one is running (it has its own deadline). */
  function beat(): Promise<void> {
    beating ??= (async () => {
      const late = setTimeout(() => {
        log.warn({ deadline_ms: deadlineMs }, 'presence heartbeat has not finished in time');
        link.heartbeatFailed(`no heartbeat finished within ${deadlineMs} ms`);
      }, deadlineMs);
      try {
        await heartbeat();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'presence heartbeat failed');
        // An error reply is Redis answering: the link works, whatever went wrong with the script.
        if (!(err instanceof ReplyError)) link.heartbeatFailed((err as Error).message);
      } finally {
        clearTimeout(late);
        beating = undefined;
      }
    })();
    return beating;
  }
  const heartbeatTimer = setInterval(beat, config.presenceHeartbeatMs);

  // The safety net under the close/auth handover: records of connections this worker no longer holds.
  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    presence
      .sweep(() => new Set([...connections].map((conn) => conn.id)))
      .then(
        (dropped) => {
          if (dropped > 0) log.warn({ dropped }, 'swept connection records of connections no longer open');
        },
        (err: Error) => log.warn({ err: err.message }, 'presence sweep failed'),
      )
      .finally(() => {
        sweeping = false;
      });
  }, config.presenceSweepMs);
  sweepTimer.unref();

  return {
    /** The first heartbeat (at start-up, before serving): its failure is the caller's. */
    first: heartbeat,
    beat,
    stop(): void {
      clearInterval(heartbeatTimer);
      clearInterval(sweepTimer);
    },
  };
}

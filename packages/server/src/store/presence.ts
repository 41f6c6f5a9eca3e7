import { okOrThrow, type StoreContext } from './store.js';

/** Connection records and worker leases: a user is online while any of their connections is recorded. */
export function createPresenceStore({ run, keys, config }: StoreContext, workerId: string) {
  return {
    /**
     * Records an authenticated connection; returns the user's chats. `limit: false` re-records a connection
     * that is already open (after a lapsed lease), which the per-user limit must not refuse.
     */
    async connect(userId: string, connId: string, profile: { username?: string; avatar_url?: string }, limit = true) {
      const [chats, , lastIds] = okOrThrow(
        await run(
          'connect',
          [],
          [
            keys.prefix,
            userId,
            connId,
            workerId,
            profile.username ?? '',
            profile.avatar_url ?? '',
            limit ? config.maxConnectionsPerUser : 0,
          ],
        ),
      );
      return { chats: chats as string[], lastIds: (lastIds as number[]).map(Number) };
    },

    async disconnect(userId: string, connId: string): Promise<void> {
      await run('disconnect', [], [keys.prefix, userId, connId, workerId]);
    },

    /** Renews this worker's lease; false when it had lapsed and its records were reaped. */
    async heartbeat(): Promise<boolean> {
      const existed = await run('heartbeat', [keys.presenceWorkers], [workerId, Date.now() + config.presenceLeaseMs]);
      return existed === 1;
    },

    /** Drops the records of workers whose lease expired; returns how many users went offline. */
    async reapExpired(): Promise<number> {
      const [, gone] = (await run('release-workers', [keys.presenceWorkers], [keys.prefix, Date.now(), ''])) as [
        number,
        number,
      ];
      return gone;
    },

    /** Drops every record of this worker (clean shutdown). */
    async releaseSelf(): Promise<void> {
      await run('release-workers', [keys.presenceWorkers], [keys.prefix, Date.now(), workerId]);
    },
  };
}

export type PresenceStore = ReturnType<typeof createPresenceStore>;

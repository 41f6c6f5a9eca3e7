import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from './config.js';
import { Hub } from './fanout/hub.js';
import type { HandlerContext } from './handlers/context.js';
import type { Logger } from './log.js';
import { logSender, webhookSender } from './login/code-sender.js';
import { collectProcessMetrics, gaugeSources, joinClusterMetrics } from './metrics.js';
import { createChatStore } from './store/chats.js';
import { createKeys } from './store/keys.js';
import { createMessageStore } from './store/messages.js';
import { createPresenceStore } from './store/presence.js';
import { connectRedis, type RedisTarget } from './store/redis.js';
import type { StoreContext } from './store/store.js';
import { createUserStore } from './store/users.js';
import { createDispatcher } from './transport/dispatch.js';
import { createHttpServer } from './transport/http.js';
import { attachWebSocket } from './transport/ws-server.js';

export type RunningWorker = { port: number; stop(): Promise<void> };

/**
 * One server process: HTTP and WebSocket on the shared port, its own Redis connections, its hub. Any number
 * of these (node:cluster workers, other instances) behave as one service through Redis.
 */
export async function startWorker(config: Config, target: RedisTarget, log: Logger): Promise<RunningWorker> {
  const tag = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const workerId = `${hostname()}:${tag}`;
  const redis = await connectRedis(target, config.redisCommandTimeoutMs, log);
  const keys = createKeys(config.keyPrefix);
  const storeContext: StoreContext = { redis: redis.command, run: redis.run, keys, config };
  const users = createUserStore(storeContext);
  const chats = createChatStore(storeContext);
  const messages = createMessageStore(storeContext);
  const presence = createPresenceStore(storeContext, workerId, log);
  const hub = new Hub(redis.subscriber, keys, messages, log);
  await hub.start();

  const ctx: HandlerContext = { config, log, hub, users, chats, messages, presence };
  const dispatcher = createDispatcher(ctx);
  const codeSender = config.loginCodeWebhookUrl ? webhookSender(config.loginCodeWebhookUrl, log) : logSender(log);
  const app = createHttpServer({ config, log, redis: redis.command, keys, users, chats, messages, codeSender });
  const ws = attachWebSocket(app.server, { config, log, hub, presence, dispatcher, tag });
  collectProcessMetrics();
  joinClusterMetrics();
  gaugeSources.connections = () => ws.connections.size;
  gaugeSources.authenticatedUsers = () => hub.userCount;
  gaugeSources.subscribedChats = () => hub.chatCount;

  // The lease on this worker's connection records; if it lapsed (Redis was away longer than the lease) the
  // records were reaped and the users announced offline, so they are recorded again.
  async function heartbeat(): Promise<void> {
    const held = await presence.heartbeat();
    if (!held) {
      const open = [...ws.connections].filter((conn) => conn.state === 'authenticated' && conn.userId);
      const failed = await presence.recordAgain(open.map((conn) => ({ userId: conn.userId!, connId: conn.id })));
      if (failed > 0) log.warn({ failed, connections: open.length }, 'some connections not recorded again');
    }
    const gone = await presence.reapExpired();
    if (gone > 0) log.info({ users: gone }, 'users of a dead worker marked offline');
  }
  await heartbeat();
  const heartbeatTimer = setInterval(() => {
    heartbeat().catch((err: Error) => log.warn({ err: err.message }, 'presence heartbeat failed'));
  }, config.presenceHeartbeatMs);

  // The safety net under the close/auth handover: records of connections this worker no longer holds.
  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    presence
      .sweep(() => new Set([...ws.connections].map((conn) => conn.id)))
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

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, workerId: presence.workerId }, 'worker listening');

  let stopping: Promise<void> | undefined;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        // Refuse new sockets; close the open ones with 1012 (service restart) once in-flight actions finish.
        ws.stopAccepting();
        await Promise.race([dispatcher.drained(), new Promise((r) => setTimeout(r, config.shutdownGraceMs))]);
        await ws.closeAll();
        clearInterval(heartbeatTimer);
        clearInterval(sweepTimer);
        await app.close();
        await presence.releaseSelf().catch(() => {});
        await redis.quit();
        log.info('worker stopped');
      })();
      return stopping;
    },
  };
}

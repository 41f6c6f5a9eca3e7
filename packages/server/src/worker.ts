import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from './config.js';
import { Hub } from './fanout/hub.js';
import type { HandlerContext } from './handlers/context.js';
import type { Logger } from './log.js';
import { logSender, webhookSender } from './login/code-sender.js';
import { createMediaStorage } from './media/create-storage.js';
import { collectProcessMetrics, gaugeSources, joinClusterMetrics } from './metrics.js';
import { startPushWorker } from './push/queue-worker.js';
import { createPushSender, type PushSender } from './push/sender.js';
import { createAccountSweeper } from './store/accounts.js';
import { createBlockStore } from './store/blocks.js';
import { createChatStore } from './store/chats.js';
import { createGroupStore } from './store/groups.js';
import { createKeys } from './store/keys.js';
import { createMediaStore } from './store/media.js';
import { createMessageStore } from './store/messages.js';
import { createPresenceStore } from './store/presence.js';
import { createPushStore } from './store/push.js';
import { connectBlocking, connectRedis, type RedisTarget } from './store/redis.js';
import { redisMemoryReader } from './store/redis-memory.js';
import { watchRedisLink } from './store/redis-watchdog.js';
import { createSessionStore } from './store/sessions.js';
import type { StoreContext } from './store/store.js';
import { createUserStore } from './store/users.js';
import { compileTrust } from './transport/client-address.js';
import { createDispatcher } from './transport/dispatch.js';
import { createHttpServer } from './transport/http.js';
import { listenForMetrics } from './transport/metrics-http.js';
import { attachWebSocket } from './transport/ws-server.js';
import { startPresenceUpkeep } from './upkeep.js';

export type RunningWorker = { port: number; stop(): Promise<void> };

/** What a stopping worker allows itself after in-flight actions: closing sockets, HTTP, presence, Redis. */
export const STOP_TAIL_MS = 4000;

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
  const sessions = createSessionStore(storeContext);
  const users = createUserStore(storeContext, sessions);
  const accounts = createAccountSweeper(storeContext, sessions, log);
  const chats = createChatStore(storeContext);
  const groups = createGroupStore(storeContext);
  const messages = createMessageStore(storeContext, log);
  const storage = await createMediaStorage(config);
  const media = createMediaStore(storeContext, storage, log);
  const push = createPushStore(storeContext);
  const presence = createPresenceStore(storeContext, workerId, log);
  const blocks = createBlockStore(storeContext);
  const hub = new Hub(redis.subscriber, keys, messages, log, blocks.hiddenFrom);
  await hub.start();

  const ctx: HandlerContext = { config, log, hub, users, chats, groups, messages, media, presence, push };
  const dispatcher = createDispatcher(ctx);
  const codeSender = config.loginCodeWebhookUrl ? webhookSender(config.loginCodeWebhookUrl, log) : logSender(log);
  const trust = compileTrust(config.trustProxy);
  const redisMemory = redisMemoryReader(redis.command);
  /** Why /healthz answers 503 beyond Redis not answering its PING (the link watchdog fills it in). */
  const health: { problem: () => string | undefined } = { problem: () => undefined };
  const app = createHttpServer({
    config,
    log,
    redis: redis.command,
    keys,
    users,
    sessions,
    chats,
    groups,
    messages,
    media,
    storage,
    push,
    blocks,
    codeSender,
    trust,
    redisMemory,
    health,
  });
  const ws = attachWebSocket(app.server, { config, log, hub, presence, dispatcher, tag, trust });
  collectProcessMetrics();
  joinClusterMetrics();
  gaugeSources.connections = () => ws.connections.size;
  gaugeSources.authenticatedUsers = () => hub.userCount;
  gaugeSources.subscribedChats = () => hub.chatCount;
  gaugeSources.redisMemory = redisMemory;

  // Web Push (section 13): this worker takes its share of the push queue. The sender waits for the VAPID keys
  // (made once and kept in Redis when not configured).
  let pushSender: Promise<PushSender> | undefined;
  const pushWorker = startPushWorker({
    redis: redis.command,
    blocking: connectBlocking(target, log),
    run: redis.run,
    keys,
    config,
    log,
    push,
    consumer: workerId,
    sender: () => {
      pushSender ??= push.vapidKeys().then((vapid) =>
        createPushSender({
          vapid: { ...vapid, subject: config.vapid.subject },
          allowInsecure: config.pushAllowInsecureEndpoints,
        }),
      );
      pushSender.catch(() => {
        pushSender = undefined;
      });
      return pushSender;
    },
  });
  gaugeSources.push = () => pushWorker.figures();

  const link = watchRedisLink({
    command: redis.command,
    target,
    log,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    recoverAfterMs: config.redisLinkRecoverMs,
    exitAfterMs: config.redisLinkExitMs,
    // The primary forks a replacement for a worker that exits; its sockets close (1012) and their clients
    // reconnect, to another worker or to the replacement.
    exit: () => void stop().finally(() => process.exit(1)),
  });
  health.problem = link.problem;
  const upkeep = startPresenceUpkeep({ config, log, presence, connections: ws.connections, link });
  await upkeep.first();
  // A command connection that came back: renew the lease (and the watchdog's view) now, not a beat later.
  redis.command.on('ready', () => void upkeep.beat());

  // Temporary accounts with no session left for TEMP_ACCOUNT_TTL_DAYS go (one worker at a time sweeps).
  const sweepTimer = setInterval(() => {
    accounts.sweep().catch((err: Error) => log.warn({ err: err.message }, 'temporary account sweep failed'));
  }, config.accountSweepIntervalMs);
  sweepTimer.unref();
  // Unsent uploads past their 24 h and media no kept message refers to go (one worker at a time sweeps).
  const mediaSweepTimer = setInterval(() => {
    media.sweep().catch((err: Error) => log.warn({ err: err.message }, 'media sweep failed'));
  }, config.mediaSweepIntervalMs);
  mediaSweepTimer.unref();

  await app.listen({ port: config.port, host: config.host });
  const metricsServer = await listenForMetrics(config, log);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, workerId: presence.workerId }, 'worker listening');

  /** Waits for a step of the shutdown, at most `ms`; one that takes longer is logged and left behind. */
  async function within(step: Promise<unknown>, ms: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms), 'late');
    });
    const outcome = await Promise.race([
      step.then(
        () => 'done',
        () => 'failed',
      ),
      late,
    ]);
    clearTimeout(timer);
    if (outcome === 'late') log.warn({ step: what, waited_ms: ms }, 'shutdown step not done in time; going on');
  }

  let stopping: Promise<void> | undefined;
  /**
   * Bounded at every step, so a worker stops even when Redis never answers: in-flight actions get
   * SHUTDOWN_GRACE_MS, everything after them STOP_TAIL_MS in all (the primary kills a worker that is not
   * gone 5 s after the grace).
   */
  function stop(): Promise<void> {
    stopping ??= (async () => {
      // Refuse new sockets; close the open ones with 1012 (service restart) once in-flight actions finish.
      ws.stopAccepting();
      link.stop();
      await within(dispatcher.drained(), config.shutdownGraceMs, 'in-flight actions');
      const end = Date.now() + STOP_TAIL_MS;
      const left = () => end - Date.now();
      await within(ws.closeAll(), left(), 'close sockets');
      upkeep.stop();
      clearInterval(sweepTimer);
      clearInterval(mediaSweepTimer);
      dispatcher.stop();
      await within(app.close(), left(), 'close the HTTP server');
      metricsServer?.close();
      await within(pushWorker.stop(), left(), 'finish the pushes being sent');
      void pushSender?.then(
        (sender) => sender.close(),
        () => {},
      );
      await within(presence.releaseSelf(), left(), 'drop this worker’s presence records');
      await within(storage.close(), left(), 'close the media store');
      await within(redis.quit(), left(), 'quit Redis');
      redis.disconnect();
      log.info('worker stopped');
    })();
    return stopping;
  }
  return { port, stop };
}

import type { Command, Redis } from 'ioredis';
import { corkForTurn } from '../write-batching.js';

/**
 * What Papo adds around a single Redis client's I/O (ioredis' `Redis`): writes batched per event-loop turn,
 * replies read as they arrive, and every command settled within the command timeout.
 */

/**
 * Every command a single Redis client is given in one event-loop turn leaves in one write (write-batching.ts):
 * each write to a Redis that sleeps wakes it, and a write costs the server several times a frame to a client
 * (bench/README.md). Under a connect storm each connection's handful of commands would otherwise be a write
 * each. What ioredis sends while it connects (before `ready`) and pipelines (which write once themselves) are
 * left alone.
 */
export function writeOncePerTurn(client: Redis): void {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    if (!stream && client.status === 'ready') corkForTurn(client.stream);
    return send(command, stream);
  };
}

/** The sweep's tick when a command was first sent (a property of ioredis' Command: no map, nothing kept longer). */
const SENT_AT_TICK = Symbol('papo.sentAtTick');
type TimedCommand = Command & { [SENT_AT_TICK]?: number };
/** ioredis' queues (not in its typings): commands written and not answered, and commands held offline. */
type CommandQueue = { length: number; peekAt(index: number): { command: TimedCommand } | undefined };
type Queues = { commandQueue: CommandQueue; offlineQueue: CommandQueue };
/** How many ticks a command timeout spans: a command's lateness is at most one tick (5%). */
const TICKS_PER_TIMEOUT = 20;
const TIMED_OUT = -1;

/**
 * Every command given to the client settles (its reply, or "Command timed out") within the timeout and 5%,
 * whatever state ioredis is in. ioredis' own `commandTimeout` arms a timer for every command and clears it on
 * the reply: at 1,000 messages/s that was some 2% of a worker's CPU (bench/README.md). One interval per client
 * does the job here: each command is stamped with the interval's tick when first sent, and each tick rejects
 * the commands older than the timeout in ioredis' two queues, the written-and-unanswered one and the offline
 * one (the subscriber's, while it reconnects); a command is in one of them until it settles, or was refused at
 * once. Both queues are read whole on every tick (ioredis makes new ones when it connects again; both are
 * short unless Redis is slow, and then they are what matters). A timed-out command's reply, if it ever comes,
 * is matched to it and ignored, as ioredis does. The sweep lasts as long as the client, whatever its status:
 * ioredis never connects again once it is `end`, but a watchdog may make it (store/redis-watchdog.ts).
 * Returns what stops the sweep (quit).
 */
export function settleInTime(client: Redis, timeoutMs: number): () => void {
  const tickMs = Math.max(1, timeoutMs / TICKS_PER_TIMEOUT);
  let tick = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    // Stamped once: ioredis sends an offline command again when it connects, and its time runs from the first.
    const timed = command as TimedCommand;
    if (timed[SENT_AT_TICK] === undefined) timed[SENT_AT_TICK] = tick;
    return send(command, stream);
  };
  const expire = (queue: CommandQueue | undefined) => {
    if (!queue) return;
    for (let i = 0; i < queue.length; i++) {
      const command = queue.peekAt(i)?.command;
      const sentAt = command?.[SENT_AT_TICK];
      // Timed out already (it stays queued until its reply comes), not stamped, or not late yet: the next.
      if (!command || sentAt === undefined || sentAt === TIMED_OUT || tick <= sentAt + TICKS_PER_TIMEOUT) continue;
      command[SENT_AT_TICK] = TIMED_OUT;
      if (!command.isResolved) command.reject(new Error('Command timed out'));
    }
  };
  const sweep = setInterval(() => {
    tick++;
    const queues = client as unknown as Queues;
    expire(queues.commandQueue);
    expire(queues.offlineQueue);
  }, tickMs);
  sweep.unref();
  return () => clearInterval(sweep);
}

/**
 * ioredis reads its socket through `prependListener('data')`, which in Node 20 leaves the stream's
 * data-listening flag unset: every chunk Redis sends is then buffered by the stream and handed over on the
 * next tick (`emitReadable` → `flow` → `read`), where a socket with an `on('data')` listener has it handed
 * over at once. At 1,000 messages/s that was every reply and every published event. A listener added with
 * `on` (it does nothing) sets the flag on each new connection's socket.
 */
export function readWhenReceived(client: Redis): void {
  client.on('connect', () => client.stream?.on('data', ignoreChunk));
}

function ignoreChunk(): void {}

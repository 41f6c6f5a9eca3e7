import { ActionData, type ActionName, CLOSE_CODES, type ErrorCode } from '@papo/protocol';
import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { toAppError } from '../errors.js';
import { type HandlerContext, RawReply, type Reply } from '../handlers/context.js';
import { HANDLERS } from '../handlers/index.js';
import { errorOut, frameIn, frameOut, metrics } from '../metrics.js';
import { ACTION_COSTS, spend } from './budget.js';
import type { Connection } from './connection.js';
import { checker } from './validate.js';

/** Frames a connection may send while its `auth` is in flight; they wait for it. */
const MAX_WAITING_FRAMES = 64;
/**
 * Frames read while a connection is held back (see `hold`): no more than one socket read's worth arrive
 * after its socket is paused, far fewer than this; a client that somehow sends more is cut.
 */
const MAX_DEFERRED_FRAMES = 4096;
/** An action not answered within the Redis command timeout and this margin is answered `internal`. */
const DEADLINE_MARGIN_MS = 1000;
/** The deadline sweep runs this many times per deadline: an action is answered at most 5% past it. */
const TICKS_PER_DEADLINE = 20;
/** RFC 6455 "try again later": an `auth` that ran out of time closes its socket with it. */
const CLOSE_TRY_AGAIN_LATER = 1013;

type Envelope = { action: ActionName; data: Record<string, unknown>; request_id?: string };

/** An action under way: answered once, by its handler or, past the deadline, by the sweep. */
type Pending = { conn: Connection; frame: Envelope; tick: number; answered: boolean };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every incoming frame goes through here once: parsed, checked, charged to the connection's budget, validated
 * into a typed action, then handed to its handler. A bad frame gets the contract's error and the socket stays
 * open. What one connection can make the server do is bounded three ways: a budget of actions per second
 * (`rate_limited` past it), a cap on actions under way (past it the socket is not read: backpressure, not
 * buffering), and a deadline by which every action is answered, whatever Redis does.
 */
export function createDispatcher(ctx: HandlerContext) {
  const { config } = ctx;
  const validators = new Map<string, TypeCheck<TSchema>>(
    Object.entries(ActionData).map(([name, schema]) => [name, checker(schema)]),
  );
  const backlogLimit = Math.max(64 * 1024, Math.floor(config.maxSendBufferBytes / 4));
  let inFlight = 0;
  let idle: (() => void) | undefined;

  // The deadline: one sweep, not a timer per action (the send path runs this for every message).
  const pending = new Set<Pending>();
  let tick = 0;
  const sweep = setInterval(
    () => {
      tick++;
      // Insertion order is start order: the first action not yet due ends the sweep.
      for (const entry of pending) {
        if (tick <= entry.tick + TICKS_PER_DEADLINE) break;
        pending.delete(entry);
        if (entry.answered) continue;
        entry.answered = true;
        const { conn, frame } = entry;
        ctx.log.warn({ action: frame.action, conn: conn.id }, 'action not answered in time');
        sendError(conn, 'internal', 'The server could not do it in time; nothing may have changed. Try again.', {
          action: frame.action,
          ...echoOf(frame),
          ...clientMsgIdOf(frame),
        });
        if (frame.action === 'auth') conn.close(CLOSE_TRY_AGAIN_LATER, 'auth timed out');
      }
    },
    Math.max(5, (config.redisCommandTimeoutMs + DEADLINE_MARGIN_MS) / TICKS_PER_DEADLINE),
  );
  sweep.unref();

  function echoOf(frame: Envelope): { request_id?: string } {
    return frame.request_id === undefined ? {} : { request_id: frame.request_id };
  }

  function clientMsgIdOf(frame: Envelope): { client_msg_id?: string } {
    const id = frame.action === 'send_message' ? frame.data.client_msg_id : undefined;
    return typeof id === 'string' ? { client_msg_id: id } : {};
  }

  function sendError(
    conn: Connection,
    code: ErrorCode,
    message: string,
    extra: { action?: string; request_id?: string; client_msg_id?: string; retry_after?: number } = {},
  ): void {
    errorOut(code).inc();
    conn.sendEvent({ type: 'error', error: code, message, ...extra });
  }

  /** Parse and check the envelope; undefined when an error was sent. */
  function parse(conn: Connection, raw: Buffer, isBinary: boolean): Envelope | undefined {
    if (isBinary) return void sendError(conn, 'bad_frame', 'Frames are JSON text; binary frames are not accepted.');
    let frame: unknown;
    try {
      frame = JSON.parse(raw.toString('utf8'));
    } catch {
      return void sendError(conn, 'bad_json', 'The frame is not valid JSON.');
    }
    if (!isPlainObject(frame)) return void sendError(conn, 'bad_json', 'The frame must be a JSON object.');
    const { action, data, request_id: requestId } = frame;
    if (requestId !== undefined && (typeof requestId !== 'string' || requestId.length > 128)) {
      return void sendError(conn, 'invalid_payload', 'request_id must be a string of at most 128 characters.');
    }
    const echo = requestId === undefined ? {} : { request_id: requestId };
    if (typeof action !== 'string' || !Object.hasOwn(HANDLERS, action)) {
      const named = typeof action === 'string' ? { action: action.slice(0, 64) } : {};
      return void sendError(conn, 'unknown_action', 'Unknown action.', { ...named, ...echo });
    }
    if (!isPlainObject(data)) {
      return void sendError(conn, 'invalid_payload', 'data must be a JSON object.', { action, ...echo });
    }
    frameIn(action).inc();
    return { action: action as ActionName, data, ...echo };
  }

  async function run(conn: Connection, frame: Envelope, entry: Pending): Promise<void> {
    const { action, data, request_id: requestId } = frame;
    const started = action === 'send_message' ? performance.now() : 0;
    const validator = validators.get(action)!;
    if (!validator.Check(data)) {
      const first = validator.Errors(data).First();
      const path = first?.path ? `data${first.path.replaceAll('/', '.')}` : 'data';
      entry.answered = true;
      return sendError(conn, 'invalid_payload', `${path}: ${first?.message ?? 'invalid'}`, {
        action,
        ...echoOf(frame),
      });
    }
    let reply: Reply;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the validator above proved `data` matches this action's type
      reply = await (HANDLERS[action] as any)(ctx, conn, data);
    } catch (err) {
      const error = toAppError(err);
      if (error.code === 'internal') ctx.log.error({ err: error.cause ?? err, action, conn: conn.id }, 'action failed');
      // Answered already by the deadline sweep: this late refusal goes nowhere.
      if (entry.answered) return;
      entry.answered = true;
      sendError(conn, error.code, error.message, {
        action,
        ...echoOf(frame),
        ...clientMsgIdOf(frame),
        ...error.extra,
      });
      if (error.code === 'invalid_token') conn.close(CLOSE_CODES.authFailed, 'invalid token');
      else if (action === 'auth' && error.code === 'rate_limited')
        conn.close(CLOSE_CODES.policy, 'too many connections');
      return;
    }
    if (entry.answered) return;
    entry.answered = true;
    if (reply instanceof RawReply) {
      frameOut(reply.type).inc();
      conn.sendText(reply.text(requestId));
    } else if (reply) conn.sendEvent(requestId === undefined ? reply : { ...reply, request_id: requestId });
    if (started) metrics.sendAck.observe((performance.now() - started) / 1000);
  }

  /** Runs an action, counting it so a shutdown can wait for what is in flight, under the deadline. */
  async function track(conn: Connection, frame: Envelope): Promise<void> {
    inFlight++;
    conn.inFlight++;
    const entry: Pending = { conn, frame, tick, answered: false };
    pending.add(entry);
    try {
      await run(conn, frame, entry);
    } finally {
      pending.delete(entry);
      conn.inFlight--;
      release(conn);
      if (--inFlight === 0) idle?.();
    }
  }

  /** `auth`, from a frame or from the upgrade request's token. */
  async function authenticate(conn: Connection, frame: Envelope): Promise<void> {
    conn.state = 'authenticating';
    let done!: () => void;
    conn.authDone = new Promise((resolve) => {
      done = resolve;
    });
    try {
      await track(conn, frame);
    } finally {
      // The handler marks the connection authenticated on success; anything else leaves it as new.
      if (conn.state === 'authenticating') {
        conn.state = 'new';
        conn.userId = undefined;
        conn.sessionId = undefined;
      }
      done();
      conn.authDone = undefined;
    }
  }

  /**
   * A frame of a connection not authenticated yet (or an `auth`): it runs after the connection's `auth` when
   * one is under way, counted in flight while it waits.
   */
  async function beforeAuth(conn: Connection, frame: Envelope): Promise<void> {
    conn.inFlight++;
    try {
      if (frame.action === 'auth' && conn.state !== 'authenticated') {
        if (conn.authDone) await conn.authDone;
        if ((conn.state as Connection['state']) !== 'authenticated') return authenticate(conn, frame);
      }
      if (conn.state === 'authenticating' && conn.authDone) {
        if (conn.waiting >= MAX_WAITING_FRAMES) {
          return sendError(conn, 'rate_limited', 'Too many frames before auth_ok.', { action: frame.action });
        }
        conn.waiting++;
        await conn.authDone;
        conn.waiting--;
      }
    } finally {
      conn.inFlight--;
    }
    if (conn.state !== 'authenticated' && frame.action !== 'auth') {
      return sendError(conn, 'unauthenticated', 'Send auth first.', { action: frame.action, ...echoOf(frame) });
    }
    if (!conn.open) return;
    return track(conn, frame);
  }

  /** Handles one frame now; the connection's in-flight count covers it until it is answered. */
  function handle(conn: Connection, raw: Buffer, isBinary: boolean): Promise<void> | undefined {
    const frame = parse(conn, raw, isBinary);
    if (!frame) return;
    const wait = spend(conn, ACTION_COSTS[frame.action], Date.now(), config.wsRatePerSecond, config.wsRateBurst);
    if (wait > 0) {
      sendError(conn, 'rate_limited', `Too many actions on this connection; try again in ${wait} s.`, {
        action: frame.action,
        ...echoOf(frame),
        ...clientMsgIdOf(frame),
        retry_after: wait,
      });
      // A client that keeps going long past retry_after is not one that will listen to it.
      if (++conn.refusedInRow > config.wsRateBurst) conn.close(CLOSE_CODES.policy, 'over the action rate limit');
      return;
    }
    conn.refusedInRow = 0;
    // The common case straight to its action (no wrapper per frame: the send path runs this per message).
    if (conn.state === 'authenticated' && frame.action !== 'auth') return conn.open ? track(conn, frame) : undefined;
    return beforeAuth(conn, frame).finally(() => release(conn));
  }

  /**
   * Whether the connection must wait before its next frame is handled: at its in-flight cap, or with more
   * unsent bytes than a quarter of MAX_SEND_BUFFER_BYTES (its client is not reading what it asked for).
   */
  function held(conn: Connection): boolean {
    return conn.inFlight >= config.maxInFlightPerConnection || conn.backlog() > backlogLimit;
  }

  /** Stops reading the socket and keeps the frame for later; the socket's drain (or an answer) lets it go. */
  function hold(conn: Connection, raw: Buffer, isBinary: boolean): void {
    conn.deferred ??= [];
    if (conn.deferred.length >= MAX_DEFERRED_FRAMES) {
      conn.close(CLOSE_CODES.policy, 'too many frames');
      return;
    }
    conn.deferred.push([raw, isBinary]);
    if (!conn.ws.isPaused) conn.ws.pause();
    waitForDrain(conn);
  }

  /** A connection held for its backlog is released when its socket has written everything out. */
  function waitForDrain(conn: Connection): void {
    if (conn.awaitingDrain || conn.backlog() <= backlogLimit) return;
    const socket = conn.rawSocket();
    if (!socket) return;
    conn.awaitingDrain = true;
    socket.once('drain', () => {
      conn.awaitingDrain = false;
      release(conn);
    });
  }

  /** Handles held frames while there is room, then reads the socket again. */
  function release(conn: Connection): void {
    while (conn.deferred && conn.open) {
      if (held(conn)) {
        waitForDrain(conn);
        return;
      }
      const [raw, isBinary] = conn.deferred.shift()!;
      if (conn.deferred.length === 0) conn.deferred = undefined;
      handle(conn, raw, isBinary)?.catch((err: Error) => ctx.log.error({ err }, 'frame handling failed'));
    }
    if (!conn.deferred && conn.ws.isPaused && !held(conn)) conn.ws.resume();
  }

  return {
    onFrame(conn: Connection, raw: Buffer, isBinary: boolean): Promise<void> | undefined {
      if (!conn.deferred && !held(conn)) return handle(conn, raw, isBinary);
      hold(conn, raw, isBinary);
      return undefined;
    },

    authenticate: (conn: Connection, token: string) => authenticate(conn, { action: 'auth', data: { token } }),

    /** Resolves when no action is running (graceful shutdown). */
    drained(): Promise<void> {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        idle = resolve;
      });
    },

    stop(): void {
      clearInterval(sweep);
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

import { ActionData, type ActionName, CLOSE_CODES, type ErrorCode } from '@papo/protocol';
import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { toAppError } from '../errors.js';
import { type HandlerContext, RawReply, type Reply } from '../handlers/context.js';
import { HANDLERS } from '../handlers/index.js';
import { errorOut, frameIn, frameOut, metrics } from '../metrics.js';
import type { Connection } from './connection.js';
import { checker } from './validate.js';

/** Frames a connection may send while its `auth` is in flight; they wait for it. */
const MAX_WAITING_FRAMES = 64;

type Envelope = { action: ActionName; data: Record<string, unknown>; request_id?: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every incoming frame goes through here once: parsed, checked, validated into a typed action, then handed
 * to its handler. A bad frame gets the contract's error and the socket stays open.
 */
export function createDispatcher(ctx: HandlerContext) {
  const validators = new Map<string, TypeCheck<TSchema>>(
    Object.entries(ActionData).map(([name, schema]) => [name, checker(schema)]),
  );
  let inFlight = 0;
  let idle: (() => void) | undefined;

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

  async function run(conn: Connection, frame: Envelope): Promise<void> {
    const { action, data, request_id: requestId } = frame;
    const echo = requestId === undefined ? {} : { request_id: requestId };
    const started = action === 'send_message' ? performance.now() : 0;
    const validator = validators.get(action)!;
    if (!validator.Check(data)) {
      const first = validator.Errors(data).First();
      const path = first?.path ? `data${first.path.replaceAll('/', '.')}` : 'data';
      return sendError(conn, 'invalid_payload', `${path}: ${first?.message ?? 'invalid'}`, { action, ...echo });
    }
    let reply: Reply;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the validator above proved `data` matches this action's type
      reply = await (HANDLERS[action] as any)(ctx, conn, data);
    } catch (err) {
      const error = toAppError(err);
      if (error.code === 'internal') ctx.log.error({ err: error.cause ?? err, action, conn: conn.id }, 'action failed');
      const clientMsgId = action === 'send_message' ? data.client_msg_id : undefined;
      sendError(conn, error.code, error.message, {
        action,
        ...echo,
        ...(typeof clientMsgId === 'string' ? { client_msg_id: clientMsgId } : {}),
        ...error.extra,
      });
      if (error.code === 'invalid_token') conn.close(CLOSE_CODES.authFailed, 'invalid token');
      else if (action === 'auth' && error.code === 'rate_limited')
        conn.close(CLOSE_CODES.policy, 'too many connections');
      return;
    }
    if (reply instanceof RawReply) {
      frameOut(reply.type).inc();
      conn.sendText(reply.text(requestId));
    } else if (reply) conn.sendEvent(requestId === undefined ? reply : { ...reply, request_id: requestId });
    if (started) metrics.sendAck.observe((performance.now() - started) / 1000);
  }

  /** Runs an action, counting it so a shutdown can wait for what is in flight. */
  async function track(conn: Connection, frame: Envelope): Promise<void> {
    inFlight++;
    try {
      await run(conn, frame);
    } finally {
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
      }
      done();
      conn.authDone = undefined;
    }
  }

  return {
    async onFrame(conn: Connection, raw: Buffer, isBinary: boolean): Promise<void> {
      const frame = parse(conn, raw, isBinary);
      if (!frame) return;
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
      if (conn.state !== 'authenticated' && frame.action !== 'auth') {
        const echo = frame.request_id === undefined ? {} : { request_id: frame.request_id };
        return sendError(conn, 'unauthenticated', 'Send auth first.', { action: frame.action, ...echo });
      }
      if (!conn.open) return;
      return track(conn, frame);
    },

    authenticate: (conn: Connection, token: string) => authenticate(conn, { action: 'auth', data: { token } }),

    /** Resolves when no action is running (graceful shutdown). */
    drained(): Promise<void> {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        idle = resolve;
      });
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

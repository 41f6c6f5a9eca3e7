import { randomUUID } from 'node:crypto';
import type { ActionDataOf, ActionName, ServerEventOf, ServerEventType } from '@papo/protocol';
import WebSocket from 'ws';
import { onTeardown } from './teardown.js';

/** Any frame the server sent, parsed; `type` is what the contract says every frame carries. */
export type Frame = { type: string; request_id?: string; [key: string]: unknown };
export type CloseInfo = { code: number; reason: string };

/**
 * How long a wait for an expected frame lasts by default. Above the server's own deadline for an action (the
 * Redis command timeout, 5 s by default, and a second: then it answers `internal`), with room for a busy
 * machine: at a load average of 20 on 2 cores a create_public_chat on the cluster went unanswered for 5 s.
 */
export const DEFAULT_WAIT_MS = 15_000;

export interface ConnectOptions {
  /** Sent as `?token=` on the upgrade. */
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** The source address (`127.0.0.x`): another client, as far as per-IP limits go. */
  localAddress?: string;
}

/**
 * A thin real-WebSocket client for tests. Everything received is buffered, so an event that arrives before
 * the test asks for it is never missed; `next` hands each frame out at most once.
 */
export class TestClient {
  private readonly frames: Frame[] = [];
  private readonly taken = new Set<number>();
  private readonly wakeups = new Set<() => void>();
  private closeInfo: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        for (const wake of [...this.wakeups]) wake();
        resolve(this.closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        frame = { type: '__not_json', raw: text };
      }
      if (isBinary) frame = { type: '__binary', raw: text };
      this.frames.push(frame);
      for (const wake of [...this.wakeups]) wake();
    });
    ws.on('error', () => {
      // surfaced through `closed` (code 1006) and the failure text of pending waits
    });
  }

  /** Opens a socket; rejects with the HTTP status if the upgrade is refused. */
  static connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const target = options.token ? `${url}?token=${encodeURIComponent(options.token)}` : url;
    const ws = new WebSocket(target, {
      headers: options.headers ?? {},
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    const client = new TestClient(ws);
    onTeardown(() => client.close());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`WebSocket ${target}: not open in ${options.timeoutMs ?? DEFAULT_WAIT_MS} ms`));
      }, options.timeoutMs ?? DEFAULT_WAIT_MS);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }));
        ws.terminate();
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** The local TCP port of this socket (to find which server worker holds it). */
  get localPort(): number {
    return (this.ws as unknown as { _socket: { localPort: number } })._socket.localPort;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send<A extends ActionName>(action: A, data: ActionDataOf<A>, requestId?: string): void;
  send(action: string, data: unknown, requestId?: string): void;
  send(action: string, data: unknown, requestId?: string): void {
    const frame: Record<string, unknown> = { action, data };
    if (requestId !== undefined) frame.request_id = requestId;
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? Buffer.isBuffer(data) });
  }

  /** Sends with a fresh `request_id` and resolves with the frame that echoes it, whatever its type. */
  async request<A extends ActionName>(action: A, data: ActionDataOf<A>, timeoutMs?: number): Promise<Frame>;
  async request(action: string, data: unknown, timeoutMs?: number): Promise<Frame>;
  async request(action: string, data: unknown, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const requestId = `r-${randomUUID()}`;
    this.send(action, data, requestId);
    return this.nextWhere((f) => f.request_id === requestId, timeoutMs, `the reply to ${action} (${requestId})`);
  }

  /** The next not-yet-taken frame of that type matching the predicate, received already or later. */
  next<T extends ServerEventType>(
    type: T,
    predicate?: (frame: ServerEventOf<T>) => boolean,
    timeoutMs?: number,
  ): Promise<ServerEventOf<T>>;
  next(type: string, predicate?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  next(type: string, predicate: (frame: Frame) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS) {
    return this.nextWhere((f) => f.type === type && predicate(f), timeoutMs, `a "${type}" frame`);
  }

  /** Waits until `count` frames of a type match (taking them) and returns them in arrival order. */
  async collect<T extends ServerEventType>(
    type: T,
    count: number,
    predicate: (frame: ServerEventOf<T>) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ServerEventOf<T>[]> {
    const out: ServerEventOf<T>[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < count) {
      out.push(await this.next(type, predicate, Math.max(1, deadline - Date.now())));
    }
    return out;
  }

  /** Waits until at least `count` frames of a type have arrived (taking none); for bulk checks. */
  waitForCount(type: string, count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    // Counted incrementally: rescanning every frame on each arrival would be quadratic over a long run.
    let seen = 0;
    let scanned = 0;
    const have = () => {
      for (; scanned < this.frames.length; scanned++) if (this.frames[scanned]!.type === type) seen++;
      return seen;
    };
    return new Promise((resolve, reject) => {
      if (have() >= count) return resolve();
      // Closed already: no frame (and no wakeup) will come.
      if (this.closeInfo) return reject(this.closedBefore(have(), count, type));
      const timer = setTimeout(() => {
        this.wakeups.delete(wake);
        reject(new Error(`waiting for ${count} "${type}" frames: ${have()} after ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = () => {
        if (have() < count && !this.closeInfo) return;
        this.wakeups.delete(wake);
        clearTimeout(timer);
        if (have() >= count) resolve();
        else reject(this.closedBefore(have(), count, type));
      };
      this.wakeups.add(wake);
    });
  }

  private closedBefore(have: number, count: number, type: string): Error {
    const { code, reason } = this.closeInfo!;
    return new Error(`socket closed (${code} ${reason}) with ${have} of ${count} "${type}" frames`);
  }

  nextWhere(predicate: (frame: Frame) => boolean, timeoutMs = DEFAULT_WAIT_MS, what = 'a frame'): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const take = (): boolean => {
        for (let i = 0; i < this.frames.length; i++) {
          const frame = this.frames[i]!;
          if (!this.taken.has(i) && predicate(frame)) {
            this.taken.add(i);
            resolve(frame);
            return true;
          }
        }
        return false;
      };
      if (take()) return;
      const fail = (why: string) => {
        this.wakeups.delete(wake);
        clearTimeout(timer);
        reject(new Error(`waiting for ${what}: ${why}. Frames so far:\n${this.describe()}`));
      };
      const wake = () => {
        if (take()) {
          this.wakeups.delete(wake);
          clearTimeout(timer);
        } else if (this.closeInfo) {
          fail(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason})`);
        }
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      if (this.closeInfo) return fail(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason})`);
      this.wakeups.add(wake);
    });
  }

  /** Every frame received so far (taken or not), optionally of one type. */
  all(): Frame[];
  all<T extends ServerEventType>(type: T): ServerEventOf<T>[];
  all(type?: string): Frame[] {
    return type === undefined ? [...this.frames] : this.frames.filter((f) => f.type === type);
  }

  /** Closes (if open) and resolves with the close info. */
  async close(code = 1000): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(code);
      const timer = setTimeout(() => this.ws.terminate(), 2000);
      const info = await this.closed;
      clearTimeout(timer);
      return info;
    }
    if (this.ws.readyState === WebSocket.CLOSING) this.ws.terminate();
    return this.closed;
  }

  describe(last = 25): string {
    const lines = this.frames.slice(-last).map((f) => {
      const text = JSON.stringify(f);
      return `  ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
    });
    return lines.length > 0 ? lines.join('\n') : '  (none)';
  }
}

/** `TestClient.connect` as a plain function. Login and authenticated connections: see http.ts and session.ts. */
export function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  return TestClient.connect(url, options);
}

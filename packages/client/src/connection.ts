import type { ActionDataOf, ActionName, ServerEvent } from '@papo/protocol';
import { fullJitter } from './backoff.js';
import { PapoError } from './errors.js';
import type { ConnectionState, WebSocketConstructor, WebSocketLike } from './types.js';

const REQUEST_TIMEOUT_MS = 15_000;
/** The server's close code for a refused token or an ended session (CLOSE_CODES.authFailed). */
const CLOSE_AUTH_FAILED = 4001;
/** What the server could not do now (`internal`: a send, a sync) is tried again after this. */
export const RESEND_AFTER_MS = 2000;

type PendingRequest = { resolve: (event: ServerEvent) => void; reject: (err: PapoError) => void; timer: unknown };

export type ConnectionOptions = {
  WebSocket: WebSocketConstructor;
  /** The socket's address (`<base>/ws`). */
  url: string;
  /** Reconnect backoff: full jitter, capped. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** The session's token, read when a socket opens; undefined: logged out, nothing opens. */
  token: () => string | undefined;
  /** Every frame the server sends, parsed, in order; the request it answers (if any) settles right after. */
  onEvent: (event: ServerEvent) => void;
  /** The state changed (`state` event). */
  onState: (state: ConnectionState) => void;
  /** The socket is gone (closed, or dropped by `disconnect`): what lived with it is reset. */
  onDropped: () => void;
  /**
   * After the server refused the token (close 4001): a fresh token. Resolves true when one is in place (the
   * socket then reconnects at once), false when the session is over; rejects when the server is unreachable.
   */
  renew: () => Promise<boolean>;
};

/**
 * One WebSocket kept open while wanted: it authenticates on open, reconnects with capped full-jitter backoff
 * (one reconnect in flight), and matches each request to its reply by `request_id`, with a timeout. A lost
 * socket rejects every request still waiting.
 */
export class Connection {
  private readonly requests = new Map<string, PendingRequest>();
  private socket: WebSocketLike | null = null;
  private authenticatedValue = false;
  private wanted = false;
  private attempt = 0;
  private requestSeq = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private stateValue: ConnectionState = 'offline';

  constructor(private readonly options: ConnectionOptions) {
    const target = globalThis as { addEventListener?: (name: string, listener: () => void) => void };
    // The browser says the network is back: do not wait out the backoff.
    target.addEventListener?.('online', () => {
      if (this.wanted && !this.socket) this.reconnectNow();
    });
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The server accepted this socket's token (auth_ok): actions can go. */
  get authenticated(): boolean {
    return this.authenticatedValue;
  }

  /** Open the socket and keep it open. */
  connect(): void {
    this.wanted = true;
    if (!this.socket) this.open();
  }

  disconnect(): void {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket) {
      this.onClose(socket);
      socket.close(1000, 'client disconnect');
    }
    this.setState('offline');
  }

  /** Reconnect now instead of after the backoff delay. */
  reconnectNow(): void {
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    if (this.wanted && !this.socket) this.open();
  }

  /** The session is over: close and stay closed (requests in flight run out by their timeout). */
  end(): void {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket) {
      this.socket = null;
      this.authenticatedValue = false;
      socket.close(1000, 'session ended');
      this.setState('offline');
    }
  }

  /** Sends a frame when authenticated; false when it could not go (offline). */
  send<A extends ActionName>(action: A, data: ActionDataOf<A>, requestId?: string): boolean {
    if (!this.authenticatedValue || !this.socket) return false;
    this.socket.send(JSON.stringify(requestId ? { action, data, request_id: requestId } : { action, data }));
    return true;
  }

  /** An action whose reply (or error) comes back with our request_id. */
  request<T extends ServerEvent>(action: ActionName, data: object): Promise<T> {
    const requestId = `r${++this.requestSeq}`;
    return new Promise<T>((resolve, reject) => {
      if (!this.send(action, data as never, requestId)) {
        reject(new PapoError('internal', 'Not connected; try again when online.'));
        return;
      }
      const timer = setTimeout(() => {
        this.requests.delete(requestId);
        reject(new PapoError('internal', 'The server did not answer in time.'));
      }, REQUEST_TIMEOUT_MS);
      this.requests.set(requestId, { resolve: resolve as (event: ServerEvent) => void, reject, timer });
    });
  }

  private open(): void {
    const token = this.options.token();
    if (token === undefined) return;
    this.setState('connecting');
    const socket = new this.options.WebSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ action: 'auth', data: { token } }));
    socket.onmessage = (event) => {
      if (this.socket === socket) this.onFrame(String(event.data));
    };
    socket.onclose = (event) => this.onClose(socket, event.code);
    socket.onerror = () => {
      // A close event follows; reconnecting is handled there.
    };
  }

  private onClose(socket: WebSocketLike, code?: number): void {
    if (this.socket !== socket) return;
    // 4001: the token was refused or its session ended. A refreshed token may do; if the session is over,
    // the keeper says so (session_expired) and nothing reconnects.
    if (code === CLOSE_AUTH_FAILED && this.wanted) void this.renewAfterRefusal();
    this.socket = null;
    this.authenticatedValue = false;
    this.options.onDropped();
    for (const [id, request] of this.requests) {
      clearTimeout(request.timer as ReturnType<typeof setTimeout>);
      request.reject(new PapoError('internal', 'The connection was lost before the server answered.'));
      this.requests.delete(id);
    }
    this.setState('offline');
    if (!this.wanted) return;
    const delay = fullJitter(this.attempt++, this.options.reconnectBaseMs, this.options.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => {
      if (this.wanted && !this.socket) this.open();
    }, delay);
  }

  /** After a 4001: a fresh token, then reconnect at once; no session left: stop. */
  private async renewAfterRefusal(): Promise<void> {
    try {
      if (await this.options.renew()) this.reconnectNow();
    } catch {
      // The server cannot be reached: the backoff reconnects, and the keeper tries again by itself.
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.options.onState(state);
  }

  private onFrame(text: string): void {
    let event: ServerEvent;
    try {
      event = JSON.parse(text) as ServerEvent;
    } catch {
      return;
    }
    if (event.type === 'auth_ok') {
      this.attempt = 0;
      this.authenticatedValue = true;
      this.setState('online');
    }
    this.options.onEvent(event);
    if ('request_id' in event && event.request_id) this.settle(event.request_id, event);
  }

  private settle(requestId: string, event: ServerEvent): void {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    clearTimeout(request.timer as ReturnType<typeof setTimeout>);
    if (event.type === 'error') request.reject(new PapoError(event.error, event.message, event.retry_after));
    else request.resolve(event);
  }
}

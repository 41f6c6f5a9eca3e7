import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { payloadOf, textFrameOf } from '../fanout/ws-frame.js';
import type { Logger } from '../log.js';
import { frameOut, metrics } from '../metrics.js';
import { backlogBytes, writeInTurn } from '../write-batching.js';

const TEXT = { binary: false } as const;
/** Typing entries past which expired ones are pruned before another is added. */
const TYPING_PRUNE_AT = 16;

/** Who is hidden from a connection: a Set, or everyone while its set is being read at auth. */
export type Hidden = { has(userId: string): boolean };

export type ConnectionState = 'new' | 'authenticating' | 'authenticated' | 'closed';

/** One WebSocket: who it is, which chats it follows, and a send that drops a consumer that stops reading. */
export class Connection {
  userId: string | undefined;
  /** The session of the token it authenticated with: ending the session closes the connection. */
  sessionId: string | undefined;
  state: ConnectionState = 'new';
  /** The chats whose events this connection receives (the hub's index, mirrored for cleanup). */
  readonly chats = new Set<string>();
  /**
   * The chats this connection said it is typing in, each until its typing TTL runs out (ms): on close,
   * those alone are told it stopped. Made on the first `typing`, so an idle connection carries none.
   */
  typingUntil: Map<string, number> | undefined;
  /**
   * Users whose presence and typing this connection is not told (blocked by its user, or who blocked its user;
   * fanout/hub.ts). Undefined, and so free in delivery, for a user with no block either way.
   */
  hidden: Hidden | undefined;
  /** Resolves when an `auth` in flight ends; frames that arrive meanwhile wait for it. */
  authDone: Promise<void> | undefined;
  waiting = 0;
  /** Frames being handled (or waiting for auth): past MAX_IN_FLIGHT_PER_CONNECTION the socket is not read. */
  inFlight = 0;
  /** Frames read while the connection was at its in-flight cap or backlogged, handled as room comes. */
  deferred: [raw: Buffer, isBinary: boolean][] | undefined;
  /** The action budget (a token bucket, see transport/budget.ts): units left, and when last filled (ms). */
  budgetUnits: number;
  budgetAt: number;
  /** Frames refused in a row for the budget: a client that ignores `retry_after` for long is cut. */
  refusedInRow = 0;
  /** Held for its backlog, waiting for its socket's `drain` (see dispatch.ts). */
  awaitingDrain = false;
  /** Answered the last ping (see the ping loop in ws-server.ts). */
  alive = true;
  /** Closes the connection unless it authenticates in time (set by ws-server.ts). */
  authTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly ip: string,
    private readonly maxSendBufferBytes: number,
    private readonly log: Logger,
    budgetUnits: number,
  ) {
    this.budgetUnits = budgetUnits;
    this.budgetAt = Date.now();
  }

  /** The TCP socket under the WebSocket (ws does not expose it in its typings). */
  rawSocket(): Socket | undefined {
    return (this.ws as unknown as { _socket?: Socket })._socket;
  }

  /** Bytes written to this socket that its peer has not taken yet (0 when it keeps up). */
  backlog(socket = this.rawSocket()): number {
    return socket ? backlogBytes(socket) : this.ws.bufferedAmount;
  }

  /** Authenticated: the auth deadline's timer goes (it would otherwise be held until it fired). */
  markAuthenticated(): void {
    this.state = 'authenticated';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  /** Typing in a chat until `until` (ms), or stopped (`until` 0). */
  noteTyping(chatId: string, until: number): void {
    if (until === 0) {
      this.typingUntil?.delete(chatId);
      return;
    }
    this.typingUntil ??= new Map();
    // Bounded by the chats typed in within one TTL: expired ones go before a new one is added.
    if (this.typingUntil.size >= TYPING_PRUNE_AT) {
      const now = Date.now();
      for (const [chat, end] of this.typingUntil) if (end <= now) this.typingUntil.delete(chat);
    }
    this.typingUntil.set(chatId, until);
  }

  /** The chats this connection is still typing in (within the TTL). */
  typingChats(): string[] {
    if (!this.typingUntil) return [];
    const now = Date.now();
    return [...this.typingUntil].filter(([, until]) => until > now).map(([chatId]) => chatId);
  }

  get open(): boolean {
    return this.state !== 'closed';
  }

  /** False (and the socket dropped) for a consumer so slow its backlog passed the cap. */
  private writable(socket: Socket | undefined): boolean {
    if (this.state === 'closed' || this.ws.readyState !== 1) return false;
    const buffered = this.backlog(socket);
    if (buffered <= this.maxSendBufferBytes) return true;
    // A slow consumer: holding its backlog would grow the server's memory without bound.
    this.log.warn({ conn: this.id, user: this.userId, buffered }, 'slow consumer dropped');
    metrics.slowConsumers.inc();
    this.ws.terminate();
    return false;
  }

  /** A serialised event for this connection alone: framed and written like every other. */
  sendText(json: string): void {
    this.sendFramed(textFrameOf(json));
  }

  /**
   * Sends an event already framed once for every socket (fanout/ws-frame.ts), batched per event-loop turn
   * (write-batching.ts). With compression off, `ws` writes every frame straight to the socket, so these keep
   * their order with its own.
   */
  sendFramed(frame: Buffer): void {
    const socket = this.rawSocket();
    if (!this.writable(socket)) return;
    if (!socket) {
      this.ws.send(payloadOf(frame), TEXT);
      return;
    }
    writeInTurn(socket, frame);
  }

  /** A reply or error for this connection alone (counted by type). */
  sendEvent(event: { type: string; [field: string]: unknown }): void {
    frameOut(event.type).inc();
    this.sendText(JSON.stringify(event));
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, reason);
  }
}

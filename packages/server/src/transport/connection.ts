import type { WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { frameOut, metrics } from '../metrics.js';

const TEXT = { binary: false } as const;

export type ConnectionState = 'new' | 'authenticating' | 'authenticated' | 'closed';

/** One WebSocket: who it is, which chats it follows, and a send that drops a consumer that stops reading. */
export class Connection {
  userId: string | undefined;
  state: ConnectionState = 'new';
  /** The chats whose events this connection receives (the hub's index, mirrored for cleanup). */
  readonly chats = new Set<string>();
  /** Set once the connection record is in Redis: what close must undo. */
  registered: Promise<boolean> | undefined;
  /** Resolves when an `auth` in flight ends; frames that arrive meanwhile wait for it. */
  authDone: Promise<void> | undefined;
  waiting = 0;
  /** Answered the last ping (see the ping loop in ws-server.ts). */
  alive = true;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly ip: string,
    private readonly maxSendBufferBytes: number,
    private readonly log: Logger,
  ) {}

  get open(): boolean {
    return this.state !== 'closed';
  }

  /** Sends one text frame: a string, or a UTF-8 buffer shared by every socket that gets the same event. */
  sendText(data: string | Buffer): void {
    if (this.state === 'closed' || this.ws.readyState !== 1) return;
    if (this.ws.bufferedAmount > this.maxSendBufferBytes) {
      // A slow consumer: holding its backlog would grow the server's memory without bound.
      this.log.warn({ conn: this.id, user: this.userId, buffered: this.ws.bufferedAmount }, 'slow consumer dropped');
      metrics.slowConsumers.inc();
      this.ws.terminate();
      return;
    }
    this.ws.send(data, TEXT);
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

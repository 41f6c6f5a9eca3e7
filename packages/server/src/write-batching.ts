import type { Writable } from 'node:stream';

// Sockets written to in this turn of the event loop, uncorked together once the turn's I/O callbacks (and the
// promise reactions they start) have run: setImmediate runs right after them, and makes the loop poll without
// waiting meanwhile. Under load one turn reads many frames, and whatever they send to one socket (the
// commands to a single Redis, the events and replies to a client) leaves in one write; at low load a turn
// holds one frame and nothing waits. A corked socket carries the bytes it still held from earlier turns when
// corked (a property, not a map entry: this runs for every write of every message).
const HELD_AT_CORK = Symbol('papo.heldAtCork');
type Corkable = Writable & { [HELD_AT_CORK]?: number | undefined };
let corked: Corkable[] = [];

function uncorkAll(): void {
  // A socket corked while these uncork (an error handler that writes) waits for the next turn's list.
  const these = corked;
  corked = [];
  for (const socket of these) {
    socket[HELD_AT_CORK] = undefined;
    socket.uncork();
  }
}

/** Hold a socket's writes until the end of this event-loop turn. */
export function corkForTurn(socket: Writable): void {
  const s = socket as Corkable;
  if (s[HELD_AT_CORK] !== undefined) return;
  if (corked.length === 0) setImmediate(uncorkAll);
  s[HELD_AT_CORK] = s.writableLength;
  corked.push(s);
  s.cork();
}

/**
 * The bytes a socket holds that its peer has not taken. This turn's writes count only when earlier ones are
 * still waiting: a peer that keeps up has no backlog, however much one turn sends it.
 */
export function backlogBytes(socket: Writable): number {
  return (socket as Corkable)[HELD_AT_CORK] === 0 ? 0 : socket.writableLength;
}

/** Write to a socket, batched with the rest of this turn's writes to it. */
export function writeInTurn(socket: Writable, chunk: Buffer): void {
  corkForTurn(socket);
  socket.write(chunk);
}

import type { Writable } from 'node:stream';

// Sockets written to in this turn of the event loop, uncorked together once the turn's I/O callbacks (and the
// promise reactions they start) have run: setImmediate runs right after them, and makes the loop poll
// without waiting meanwhile. Under load one turn reads many frames, and whatever they send to one socket (the
// scripts to Redis, the events and replies to a client) leaves in one write; at low load a turn holds one
// frame and nothing waits. Each socket maps to the bytes it still held from earlier turns when corked.
const corked = new Map<Writable, number>();

function uncorkAll(): void {
  for (const socket of corked.keys()) socket.uncork();
  corked.clear();
}

/** Hold a socket's writes until the end of this event-loop turn. */
export function corkForTurn(socket: Writable): void {
  if (corked.has(socket)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  corked.set(socket, socket.writableLength);
  socket.cork();
}

/**
 * The bytes a socket holds that its peer has not taken. This turn's writes count only when earlier ones are
 * still waiting: a peer that keeps up has no backlog, however much one turn sends it.
 */
export function backlogBytes(socket: Writable): number {
  return corked.get(socket) === 0 ? 0 : socket.writableLength;
}

/** Write to a socket, batched with the rest of this turn's writes to it. */
export function writeInTurn(socket: Writable, chunk: Buffer): void {
  corkForTurn(socket);
  socket.write(chunk);
}

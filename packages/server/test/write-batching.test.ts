import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backlogBytes, corkForTurn } from '../src/write-batching.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

let server: Server | undefined;
let sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets = [];
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A loopback connection: the writer's end and the peer's end. */
async function pair(): Promise<{ writer: Socket; peer: Socket }> {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  const accepted = once(server, 'connection');
  const writer = connect(address.port, '127.0.0.1');
  const [peer] = (await accepted) as [Socket];
  await once(writer, 'connect');
  sockets.push(writer, peer);
  return { writer, peer };
}

describe('corkForTurn', () => {
  it('holds a turn’s writes, sends them all in order once the turn ends, and a peer that keeps up has no backlog', async () => {
    const { writer, peer } = await pair();
    const received: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => received.push(chunk));

    corkForTurn(writer);
    for (let i = 0; i < 100; i++) writer.write(`${i};`);
    // Held for now, and not a backlog: nothing was refused by the peer.
    expect(writer.writableLength).toBeGreaterThan(0);
    expect(backlogBytes(writer)).toBe(0);

    await nextTurn();
    expect(writer.writableLength).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(received).toString()).toBe(Array.from({ length: 100 }, (_, i) => `${i};`).join(''));
  });

  it('counts what a peer that stopped reading has not taken, this turn’s writes included', async () => {
    const { writer, peer } = await pair();
    peer.pause();
    const chunk = Buffer.alloc(1 << 20, 'x');
    // Fill the kernel's buffers until the socket keeps bytes of its own after a flush.
    for (let i = 0; i < 64 && writer.writableLength === 0; i++) {
      corkForTurn(writer);
      writer.write(chunk);
      await nextTurn();
    }
    const before = writer.writableLength;
    expect(before).toBeGreaterThan(0);
    expect(backlogBytes(writer)).toBe(before);

    corkForTurn(writer);
    writer.write(chunk);
    expect(backlogBytes(writer)).toBe(before + chunk.length);
    await nextTurn();
  });
});

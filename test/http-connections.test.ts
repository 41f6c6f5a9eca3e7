import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requestFrom } from './helpers/forwarding-proxy.js';
import { api } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { onTeardown } from './helpers/teardown.js';
import { waitFor } from './helpers/wait.js';
import { TestClient } from './helpers/ws-client.js';

/** A raw TCP connection to the server from `localAddress`, connected; destroyed after the file. */
function openSocket(server: ServerProcess, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: server.port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
    onTeardown(() => socket.destroy());
  });
}

type SlowPost = { received: () => string; closed: Promise<void> };

/**
 * A login POST that announces a 1,000-byte body and then either sends it a byte every 200 ms (a trickle that
 * keeps the socket busy) or stops after a few bytes (a body that never ends).
 */
async function slowPost(server: ServerProcess, mode: 'trickle' | 'stall'): Promise<SlowPost> {
  const socket = await openSocket(server);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    'POST /api/login HTTP/1.1\r\nHost: papo\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"username":"',
  );
  if (mode === 'trickle') {
    const timer = setInterval(() => socket.write('a'), 200);
    void closed.then(() => clearInterval(timer));
  }
  return { received: () => received, closed };
}

describe('slow request bodies (HTTP_REQUEST_TIMEOUT_MS=1000)', () => {
  it('50 POSTs whose bodies trickle in or never end are all closed, and none is served', async () => {
    const server = await startServer({ env: { HTTP_REQUEST_TIMEOUT_MS: '1000' } });
    const posts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => slowPost(server, i % 2 ? 'stall' : 'trickle')),
    );
    // Others are served meanwhile.
    expect((await api(server.url, '/healthz')).status).toBe(200);
    let open = posts.length;
    for (const post of posts) void post.closed.then(() => open--);
    // Bounded, so a server that holds them forever fails here instead of hanging the file.
    const timedOut = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${open} of 50 slow requests still open after 15 s`)), 15_000),
    );
    await Promise.race([Promise.all(posts.map((post) => post.closed)), timedOut]);
    // Each got 408 Request Timeout or was cut (whichever of Node's checks came first); none was served.
    for (const post of posts) expect(post.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(posts.filter((post) => post.received().startsWith('HTTP/1.1 408')).length).toBeGreaterThan(0);
    await server.stop();
  });
});

describe('connections per address (MAX_CONNECTIONS_PER_IP=5), counted at the socket', () => {
  it('idle sockets count: past the cap a new HTTP or WebSocket connection from that address gets 429, others are served', async () => {
    const server = await startServer({ env: { MAX_CONNECTIONS_PER_IP: '5' } });
    const crowd = '127.0.0.20';
    const held = await Promise.all(Array.from({ length: 5 }, () => openSocket(server, crowd)));

    expect((await requestFrom(crowd, `${server.url}/healthz`)).status).toBe(429);
    expect((await requestFrom(crowd, `${server.url}/api/login`, { body: { username: 'x' } })).status).toBe(429);
    await expect(TestClient.connect(server.wsUrl, { localAddress: crowd })).rejects.toThrow(/429/);
    // Another address is not affected.
    expect((await requestFrom('127.0.0.21', `${server.url}/healthz`)).status).toBe(200);
    const other = await TestClient.connect(server.wsUrl, { localAddress: '127.0.0.21' });

    // One socket closed: room for one more from that address.
    held[0]!.destroy();
    await waitFor(
      () => requestFrom(crowd, `${server.url}/healthz`).then((reply) => reply.status),
      (status) => status === 200,
      { what: 'a connection from 127.0.0.20 to be served again' },
    );
    await other.close();
    for (const socket of held) socket.destroy();
    await server.stop();
  });
});

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { onTeardown } from './teardown.js';

/**
 * A TCP proxy in front of the server, to take the network away from a client for real: `cut()` drops every
 * connection (as a lost Wi-Fi would), `refuse()` makes new ones fail until `accept()`, and `muteDownstream()`
 * lets requests through but loses every reply (an ack that never arrives). `retarget(port)` sends new
 * connections to another server (open ones stay where they are), as a load balancer moving to another instance.
 */
export type TcpProxy = {
  port: number;
  url: string;
  cut(): void;
  refuse(): void;
  accept(): void;
  muteDownstream(muted: boolean): void;
  retarget(port: number): void;
  close(): Promise<void>;
};

export async function startTcpProxy(initialTarget: number): Promise<TcpProxy> {
  let targetPort = initialTarget;
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let muted = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!muted) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const proxy: TcpProxy = {
    port,
    url: `http://127.0.0.1:${port}`,
    cut() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    refuse() {
      refusing = true;
    },
    accept() {
      refusing = false;
    },
    muteDownstream(value) {
      muted = value;
    },
    retarget(port) {
      targetPort = port;
    },
    close() {
      proxy.cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  onTeardown(() => proxy.close());
  return proxy;
}

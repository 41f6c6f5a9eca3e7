import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { onTeardown } from './teardown.js';

/**
 * A reverse proxy in front of the server, as docs/deploy.md's nginx is: it appends the address it saw to
 * `X-Forwarded-For` (nginx's `$proxy_add_x_forwarded_for`), keeping whatever the client wrote there before it,
 * and passes WebSocket upgrades through. Its own connections to the server come from 127.0.0.1.
 */
export type ForwardingProxy = { port: number; url: string; wsUrl: string; close(): Promise<void> };

function forwardedHeaders(headers: IncomingHttpHeaders, peer: string | undefined): IncomingHttpHeaders {
  const before = headers['x-forwarded-for'];
  const seen = peer?.replace(/^::ffff:/, '') ?? '';
  return { ...headers, 'x-forwarded-for': before ? `${before}, ${seen}` : seen };
}

export async function startForwardingProxy(targetPort: number): Promise<ForwardingProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const upstream = request(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req.headers, req.socket.remoteAddress),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const upstream = connect(targetPort, '127.0.0.1', () => {
      const headers = forwardedHeaders(req.headers, client.remoteAddress);
      const lines = Object.entries(headers).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`),
      );
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve) => {
    // On every loopback address, so clients can come from 127.0.0.2, 127.0.0.3, … (`localAddress`).
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  onTeardown(close);
  return { port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, close };
}

export type RawReply = { status: number; body: string };

/**
 * One HTTP request from a chosen loopback source address (`127.0.0.x`), so a test can be several clients;
 * a fresh connection each time (no keep-alive), closed after the answer.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<RawReply> {
  const target = new URL(url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        localAddress,
        agent: false,
        headers: {
          connection: 'close',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

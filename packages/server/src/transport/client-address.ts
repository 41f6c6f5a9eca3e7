import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import proxyAddr from 'proxy-addr';
import type { TrustProxy } from '../config.js';

/** Whether the address `i` hops from the socket (0: the socket's peer) is a proxy whose header is believed. */
export type TrustFn = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY compiled once, for Fastify (`request.ip`) and the WebSocket upgrade alike. A hop count trusts
 * the nearest `hops` addresses whatever they are, as Express and proxy-addr define it: safe only when every
 * client must come through those proxies (the port is not reachable directly).
 */
export function compileTrust(trust: TrustProxy): TrustFn {
  if (!trust) return () => false;
  if ('hops' in trust) {
    const { hops } = trust;
    return (_address, hop) => hop < hops;
  }
  return proxyAddr.compile(trust.addresses);
}

/** The client's address: the first untrusted one counted from the socket through `X-Forwarded-For`. */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  return proxyAddr(req, trust);
}

/** A connection past the cap gets this and is closed; the request it may carry never reaches a route. */
const TOO_MANY = 'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
/** How long a refused socket may take to read its 429 before it is cut. */
const REFUSED_LINGER_MS = 1000;

/**
 * At most `max` open TCP connections (HTTP keep-alive and WebSocket alike) per peer address, counted when the
 * socket is accepted, before Node's HTTP parser sees it. Sockets from trusted proxies are not counted here:
 * behind them the WebSocket upgrade counts the forwarded client address (ws-server.ts), and the proxy caps
 * its own clients' connections.
 */
export function capConnectionsPerAddress(server: Server, max: number, trust: TrustFn): void {
  const open = new Map<string, number>();
  // Node's own HTTP connection listener (and any other) runs only for the sockets let in.
  const serve = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address !== undefined && !trust(address, 0)) {
      const count = open.get(address) ?? 0;
      if (count >= max) return refuse(socket);
      open.set(address, count + 1);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
    }
    for (const listener of serve) listener.call(server, socket);
  });
}

function refuse(socket: Socket): void {
  socket.on('error', () => {});
  socket.resume(); // what it sends is read and dropped, so the close is a FIN and the 429 arrives
  socket.end(TOO_MANY);
  socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
}

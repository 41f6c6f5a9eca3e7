import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES } from '@papo/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../config.js';
import type { Hub } from '../fanout/hub.js';
import type { Logger } from '../log.js';
import type { PresenceStore } from '../store/presence.js';
import { clientAddress, type TrustFn } from './client-address.js';
import { Connection } from './connection.js';
import type { Dispatcher } from './dispatch.js';

/** A socket and the connection it carries (listeners get the socket as `this`). */
const CONNECTION = Symbol('papo.connection');
type SocketOf = WebSocket & { [CONNECTION]: Connection };
const connectionOf = (ws: WebSocket): Connection => (ws as SocketOf)[CONNECTION];

function closeUnlessAuthenticated(conn: Connection): void {
  if (conn.state !== 'authenticated') conn.close(CLOSE_CODES.authFailed, 'auth timeout');
}

/** A token may come in the upgrade request instead of an `auth` frame (extension). */
function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  return url.searchParams.get('token') || undefined;
}

function reject(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** WebSocket endpoint `/ws` on the HTTP server: one Connection per socket, frames to the dispatcher. */
export function attachWebSocket(
  server: Server,
  opts: {
    config: Config;
    log: Logger;
    hub: Hub;
    presence: PresenceStore;
    dispatcher: Dispatcher;
    tag: string;
    trust: TrustFn;
  },
) {
  const { config, log, hub, presence, dispatcher } = opts;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const connections = new Set<Connection>();
  let sequence = 0;
  let accepting = true;

  // A peer that vanished without closing (a dropped network, a sleeping laptop) leaves a half-open socket:
  // one that missed a whole ping interval is cut, so presence and memory follow reality.
  const pingTimer = setInterval(() => {
    for (const conn of connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, config.pingIntervalMs);
  pingTimer.unref();

  const perIp = new Map<string, number>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return reject(socket, '404 Not Found');
    if (!accepting) return reject(socket, '503 Service Unavailable');
    // Browsers always send Origin: a page from another site may not open sockets here when a list is set.
    const origin = req.headers.origin?.replace(/\/+$/, '');
    if (origin && config.allowedOrigins.length > 0 && !config.allowedOrigins.includes(origin)) {
      log.info({ origin }, 'websocket from an origin not in ALLOWED_ORIGINS refused');
      return reject(socket, '403 Forbidden');
    }
    // Counted by the client's address as TRUST_PROXY resolves it (the same rule as the HTTP routes'): behind a
    // proxy every socket comes from the proxy, and a header the client wrote itself is never believed.
    const ip = clientAddress(req, opts.trust);
    if ((perIp.get(ip) ?? 0) >= config.maxConnectionsPerIp) return reject(socket, '429 Too Many Requests');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, ip, tokenOf(req, url)));
  });

  // The socket's listeners are shared by every connection (`this` is the socket) rather than closures made
  // per connection: an idle connection is mostly its sockets' own objects, and four closures and their
  // context came to some 270 bytes of each (a heap snapshot of 3,000 idle connections: 4,132 → 3,860 bytes).
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const conn = connectionOf(this);
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    dispatcher.onFrame(conn, raw, isBinary)?.catch((err: Error) => log.error({ err }, 'frame handling failed'));
  }

  function onPong(this: WebSocket): void {
    connectionOf(this).alive = true;
  }

  function onError(this: WebSocket, err: Error): void {
    log.debug({ conn: connectionOf(this).id, err: err.message }, 'socket error');
  }

  function onClose(this: WebSocket): void {
    const conn = connectionOf(this);
    clearTimeout(conn.authTimer);
    conn.state = 'closed';
    connections.delete(conn);
    const open = (perIp.get(conn.ip) ?? 1) - 1;
    if (open > 0) perIp.set(conn.ip, open);
    else perIp.delete(conn.ip);
    hub.detachAll(conn);
    // Whatever point its auth had reached: the presence store releases a recorded connection now, and one
    // still being recorded once that ends.
    presence.release(conn.userId, conn.id, conn.typingChats());
  }

  function onConnection(ws: WebSocket, ip: string, token: string | undefined): void {
    const id = `${opts.tag}.${(++sequence).toString(36)}`;
    const conn = new Connection(id, ws, ip, config.maxSendBufferBytes, log, config.wsRateBurst);
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    connections.add(conn);
    conn.authTimer = setTimeout(closeUnlessAuthenticated, config.authTimeoutMs, conn);
    const socket = ws as SocketOf;
    socket[CONNECTION] = conn;
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('error', onError);
    socket.on('close', onClose);
    if (token) void dispatcher.authenticate(conn, token);
  }

  return {
    connections,
    stopAccepting(): void {
      accepting = false;
    },
    /** Graceful shutdown: close every socket with 1012 (service restart); cut those that do not answer. */
    async closeAll(timeoutMs = 2000): Promise<void> {
      accepting = false;
      clearInterval(pingTimer);
      for (const conn of connections) conn.close(CLOSE_CODES.serviceRestart, 'server restart');
      const deadline = Date.now() + timeoutMs;
      while (connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const conn of connections) conn.ws.terminate();
    },
  };
}

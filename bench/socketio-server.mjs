// The usual alternative: what a Node developer would assemble from Socket.IO's own documentation. Socket.IO 4,
// @socket.io/redis-adapter on the `redis` package (the adapter's README's first example), rooms, socket.join,
// io.to(room).emit, acknowledgement callbacks. It does the same work per message as Papo's send path
// (membership check, sequence increment, append to the chat's list, fan-out through the adapter, ack), with the
// plain sequential awaits such an app would have. Papo does more per message than this (rate limit,
// idempotency key, read marker, trim), all inside one Lua script.
//
// Env: PORT, REDIS_URL (a redis:// URL, or a Unix socket's path), WORKERS (node:cluster; fine without
// @socket.io/sticky because the transport is websocket only, so no HTTP long-polling request can land on
// another worker).
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 3000);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const WORKERS = Number(process.env.WORKERS ?? 1);
const TOKEN_TTL_S = 3600;

const newId = (prefix) => `${prefix}_${randomBytes(9).toString('base64url')}`;
const room = (chatId) => `chat:${chatId}`;

if (WORKERS > 1 && cluster.isPrimary) {
  const listening = new Set();
  for (let i = 0; i < WORKERS; i++) {
    const worker = cluster.fork();
    worker.on('message', (msg) => {
      if (msg !== 'listening') return;
      listening.add(worker.process.pid);
      if (listening.size === WORKERS)
        console.log(JSON.stringify({ msg: 'ready', port: PORT, workers: [...listening] }));
    });
  }
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 200);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  await startServer();
}

async function startServer() {
  // node-redis takes a Unix socket as socket.path (bench --redis-unix).
  const redis = createClient(REDIS_URL.startsWith('/') ? { socket: { path: REDIS_URL } } : { url: REDIS_URL });
  const subClient = redis.duplicate();
  await Promise.all([redis.connect(), subClient.connect()]);

  // Login: a temporary account and a token, like Papo's POST /api/login.
  const httpServer = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/api/login') {
      res.writeHead(404).end();
      return;
    }
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', async () => {
      try {
        const { username } = JSON.parse(raw);
        if (typeof username !== 'string' || username.length < 1 || username.length > 32) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_payload"}');
          return;
        }
        const userId = newId('u');
        const token = randomBytes(24).toString('base64url');
        await redis.hSet(`user:${userId}`, { username, created_at: Math.floor(Date.now() / 1000) });
        await redis.set(`token:${token}`, userId, { EX: TOKEN_TTL_S });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token, user_id: userId, expires_in: TOKEN_TTL_S }));
      } catch {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
      }
    });
  });

  const io = new Server(httpServer, {
    transports: ['websocket'],
    serveClient: false,
    adapter: createAdapter(redis, subClient),
  });

  io.use(async (socket, next) => {
    try {
      const token = socket.handshake.auth?.token;
      const userId = typeof token === 'string' ? await redis.get(`token:${token}`) : null;
      if (!userId) return next(new Error('invalid_token'));
      socket.data.userId = userId;
      next();
    } catch {
      next(new Error('internal'));
    }
  });

  io.on('connection', async (socket) => {
    const { userId } = socket.data;
    const reply = (ack, value) => typeof ack === 'function' && ack(value);

    socket.on('create_public_chat', async (data, ack) => {
      const title = data?.title;
      if (typeof title !== 'string' || title.length < 1 || title.length > 64) {
        return reply(ack, { error: 'invalid_payload' });
      }
      try {
        const chatId = newId('c');
        await redis.hSet(`chat:${chatId}`, {
          kind: 'public',
          title,
          created_by: userId,
          created_at: Math.floor(Date.now() / 1000),
          last_id: 0,
        });
        await redis.sAdd(`chat:${chatId}:members`, userId);
        await redis.sAdd(`user_chats:${userId}`, chatId);
        await redis.sAdd('chats:public', chatId);
        io.in(`user:${userId}`).socketsJoin(room(chatId));
        reply(ack, { chat_id: chatId, title });
      } catch {
        reply(ack, { error: 'internal' });
      }
    });

    socket.on('join_chat', async (data, ack) => {
      const chatId = data?.chat_id;
      if (typeof chatId !== 'string') return reply(ack, { error: 'invalid_payload' });
      try {
        if ((await redis.hGet(`chat:${chatId}`, 'kind')) !== 'public') return reply(ack, { error: 'not_found' });
        const added = await redis.sAdd(`chat:${chatId}:members`, userId);
        await redis.sAdd(`user_chats:${userId}`, chatId);
        io.in(`user:${userId}`).socketsJoin(room(chatId));
        if (added) io.to(room(chatId)).emit('chat_member_added', { chat_id: chatId, user_id: userId });
        reply(ack, { chat_id: chatId });
      } catch {
        reply(ack, { error: 'internal' });
      }
    });

    socket.on('create_dm', async (data, ack) => {
      const peer = data?.peer_user_id;
      if (typeof peer !== 'string' || peer === userId) return reply(ack, { error: 'invalid_payload' });
      try {
        if (!(await redis.exists(`user:${peer}`))) return reply(ack, { error: 'not_found' });
        const [low, high] = [userId, peer].sort();
        let chatId = newId('c');
        // SET NX: two users creating their DM at once get the same chat.
        if (!(await redis.set(`dm:${low}:${high}`, chatId, { NX: true }))) {
          chatId = await redis.get(`dm:${low}:${high}`);
        } else {
          await redis.hSet(`chat:${chatId}`, { kind: 'dm', created_at: Math.floor(Date.now() / 1000), last_id: 0 });
          await redis.sAdd(`chat:${chatId}:members`, [userId, peer]);
          await redis.sAdd(`user_chats:${userId}`, chatId);
          await redis.sAdd(`user_chats:${peer}`, chatId);
        }
        io.in([`user:${userId}`, `user:${peer}`]).socketsJoin(room(chatId));
        io.to(`user:${peer}`).emit('dm_ready', { chat_id: chatId, peer_user_id: userId });
        reply(ack, { chat_id: chatId, peer_user_id: peer });
      } catch {
        reply(ack, { error: 'internal' });
      }
    });

    socket.on('send_message', async (data, ack) => {
      const chatId = data?.chat_id;
      const body = data?.body;
      const clientMsgId = data?.client_msg_id;
      if (typeof chatId !== 'string' || typeof body !== 'string' || body.length < 1 || body.length > 4096) {
        return reply(ack, { error: 'invalid_payload', client_msg_id: clientMsgId });
      }
      try {
        if (!(await redis.sIsMember(`chat:${chatId}:members`, userId))) {
          return reply(ack, { error: 'forbidden', client_msg_id: clientMsgId });
        }
        const id = await redis.hIncrBy(`chat:${chatId}`, 'last_id', 1);
        const message = {
          id,
          sender_id: userId,
          body,
          msg_type: 'text',
          created_at: Math.floor(Date.now() / 1000),
          client_msg_id: clientMsgId,
        };
        await redis.rPush(`chat:${chatId}:messages`, JSON.stringify(message));
        io.to(room(chatId)).emit('message_created', { chat_id: chatId, message });
        reply(ack, { chat_id: chatId, client_msg_id: clientMsgId, server_msg_id: id });
      } catch {
        reply(ack, { error: 'internal', client_msg_id: clientMsgId });
      }
    });

    socket.on('disconnect', async () => {
      try {
        // The user's last socket on this process (a multi-process app would count sockets in Redis).
        if (!io.sockets.adapter.rooms.has(`user:${userId}`)) {
          await redis.sRem('presence:online_users', userId);
          await redis.set(`last_seen:${userId}`, Math.floor(Date.now() / 1000));
        }
      } catch {}
    });

    // The user's rooms, then "you are in": the events of every chat reach this socket from here on.
    try {
      const chats = await redis.sMembers(`user_chats:${userId}`);
      socket.join([`user:${userId}`, ...chats.map(room)]);
      await redis.sAdd('presence:online_users', userId);
      socket.emit('auth_ok', { user_id: userId, chats });
    } catch {
      socket.disconnect(true);
    }
  });

  httpServer.listen(PORT, () => {
    if (cluster.isWorker) process.send?.('listening');
    else console.log(JSON.stringify({ msg: 'ready', port: PORT, workers: [] }));
  });

  const stop = () => {
    io.close();
    Promise.allSettled([redis.quit(), subClient.quit()]).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

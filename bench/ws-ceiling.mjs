// The ceiling: a bare `ws` server that keeps everything in memory and fans out directly, no Redis, no
// persistence, no validation beyond what it needs. It speaks Papo's frames (login over HTTP, ?token= on /ws,
// auth_ok, chat_created, joined, dm_ready, ack, message_created to every member's connection), so the same
// load generator drives it. Each message is serialised once and the same string goes to every socket, one
// ws.send (one socket write) per delivery: it does not batch writes across messages, so a server that does
// (several frames to one socket in one write) can beat it per delivery.
//
// Env: PORT.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const PORT = Number(process.env.PORT ?? 3000);

const newId = (prefix) => `${prefix}_${randomBytes(9).toString('base64url')}`;
/** token → user id */
const tokens = new Map();
/** user id → open sockets */
const userSockets = new Map();
/** chat id → { kind, members: Set<user id>, lastId } */
const chats = new Map();
/** user id → Set<chat id> */
const userChats = new Map();
/** "low:high" → chat id */
const dms = new Map();

const httpServer = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/login') {
    res.writeHead(404).end();
    return;
  }
  let raw = '';
  req.on('data', (chunk) => {
    raw += chunk;
  });
  req.on('end', () => {
    let username;
    try {
      username = JSON.parse(raw).username;
    } catch {}
    if (typeof username !== 'string' || username.length < 1 || username.length > 32) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_payload"}');
      return;
    }
    const userId = newId('u');
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, userId);
    userChats.set(userId, new Set());
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, user_id: userId, expires_in: 3600 }));
  });
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

httpServer.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const userId = tokens.get(url.searchParams.get('token') ?? '');
  if (url.pathname !== '/ws' || !userId) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, userId));
});

function sendToUser(userId, text) {
  const sockets = userSockets.get(userId);
  if (sockets) for (const ws of sockets) ws.send(text);
}

function addMember(chatId, userId) {
  const chat = chats.get(chatId);
  if (chat.members.has(userId)) return false;
  chat.members.add(userId);
  userChats.get(userId)?.add(chatId);
  return true;
}

function onConnection(ws, userId) {
  let sockets = userSockets.get(userId);
  if (!sockets) {
    sockets = new Set();
    userSockets.set(userId, sockets);
  }
  sockets.add(ws);
  ws.on('close', () => {
    sockets.delete(ws);
    if (sockets.size === 0) userSockets.delete(userId);
  });
  ws.on('error', () => {});
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return ws.send('{"type":"error","error":"bad_json","message":"not JSON"}');
    }
    const reply = (event) =>
      ws.send(JSON.stringify(frame.request_id ? { ...event, request_id: frame.request_id } : event));
    const data_ = frame.data ?? {};
    switch (frame.action) {
      case 'send_message': {
        const chat = chats.get(data_.chat_id);
        if (!chat?.members.has(userId)) {
          return reply({
            type: 'error',
            error: 'forbidden',
            message: 'not a member',
            client_msg_id: data_.client_msg_id,
          });
        }
        const id = ++chat.lastId;
        const message = {
          id,
          sender_id: userId,
          body: data_.body,
          msg_type: 'text',
          created_at: Math.floor(Date.now() / 1000),
          client_msg_id: data_.client_msg_id,
        };
        const event = JSON.stringify({ type: 'message_created', chat_id: data_.chat_id, message });
        for (const member of chat.members) sendToUser(member, event);
        return reply({ type: 'ack', chat_id: data_.chat_id, client_msg_id: data_.client_msg_id, server_msg_id: id });
      }
      case 'create_public_chat': {
        const chatId = newId('c');
        chats.set(chatId, { kind: 'public', members: new Set(), lastId: 0 });
        addMember(chatId, userId);
        return reply({ type: 'chat_created', chat_id: chatId, title: data_.title });
      }
      case 'join_chat': {
        const chat = chats.get(data_.chat_id);
        if (chat?.kind !== 'public') return reply({ type: 'error', error: 'not_found', message: 'no such chat' });
        if (addMember(data_.chat_id, userId)) {
          const added = JSON.stringify({ type: 'chat_member_added', chat_id: data_.chat_id, user_id: userId });
          for (const member of chat.members) sendToUser(member, added);
        }
        return reply({ type: 'joined', chat_id: data_.chat_id });
      }
      case 'create_dm': {
        const peer = data_.peer_user_id;
        if (!userChats.has(peer) || peer === userId) {
          return reply({ type: 'error', error: 'not_found', message: 'no such user' });
        }
        const pair = [userId, peer].sort().join(':');
        let chatId = dms.get(pair);
        if (!chatId) {
          chatId = newId('c');
          dms.set(pair, chatId);
          chats.set(chatId, { kind: 'dm', members: new Set(), lastId: 0 });
          addMember(chatId, userId);
          addMember(chatId, peer);
        }
        sendToUser(peer, JSON.stringify({ type: 'dm_ready', chat_id: chatId, peer_user_id: userId }));
        return reply({ type: 'dm_ready', chat_id: chatId, peer_user_id: peer });
      }
      default:
        return reply({ type: 'error', error: 'unknown_action', message: 'unknown action' });
    }
  });
  ws.send(JSON.stringify({ type: 'auth_ok', user_id: userId, chats: [...(userChats.get(userId) ?? [])] }));
}

httpServer.listen(PORT, () => console.log(JSON.stringify({ msg: 'ready', port: PORT, workers: [] })));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

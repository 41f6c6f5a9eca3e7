// How the load generator talks to each target. Papo and the ceiling speak Papo's JSON frames; the Socket.IO
// alternative speaks Engine.IO 4 / Socket.IO 5 packets.
//
// Raw `ws` on purpose, not @papo/client: the SDK's bookkeeping (outbox, per-chat ordering buffers, gap fill,
// persistent storage) would cost the generator CPU that the servers share on this 2-core machine, and would hide
// losses and reorderings that the benchmark means to count. For the same reason the Socket.IO target is driven
// by a raw implementation of its wire protocol by default, so both sides pay the generator the same per-frame
// cost; `--sio-client official` uses socket.io-client instead, to cross-check (it costs the generator more).
//
// Every wire calls, for each `message_created`, `sink.delivery(user, chatId, id, body, own)` (`own`: the user
// sent it), and for each reply to a send, `sink.ack(clientMsgId)` or `sink.error(code, clientMsgId)`. Papo's
// wire also calls `sink.receiptEvent(kind)` for each delivered_receipt, read_receipt and chat_receipts
// (contract section 10), and sends `received` / `read_receipt` with `receipt(action, chatId, messageId)`.
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';

const CONNECT_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Socket.IO ack ids are numbers: sends take ids from here up, requests (chat set-up) stay below. */
const SEND_ACK_BASE = 1_000_000_000;

class RequestError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** Pending requests by id, each rejected on timeout or when the socket closes. */
class Requests {
  constructor() {
    this.pending = new Map();
  }
  add(id) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError('timeout'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
    });
  }
  settle(id, err, value) {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
    return true;
  }
  failAll(code) {
    for (const id of [...this.pending.keys()]) this.settle(id, new RequestError(code));
  }
}

/**
 * Reads chat id, message id, whether the user sent it, and body out of a message_created frame without parsing
 * the whole JSON. Papo's messages carry `"sender_id":"…"` just before the body (messages.ts); a frame without
 * one counts as someone else's.
 */
function deliverRaw(sink, user, s) {
  const cs = s.indexOf('"chat_id":"') + 11;
  const ce = s.indexOf('"', cs);
  let i = s.indexOf('"id":', ce) + 5;
  let id = 0;
  for (let c = s.charCodeAt(i) - 48; c >= 0 && c <= 9; c = s.charCodeAt(++i) - 48) id = id * 10 + c;
  const bs = s.indexOf('"body":"', i) + 8;
  const ss = s.lastIndexOf('"sender_id":"', bs);
  const own = ss > i && s.startsWith(user.userId, ss + 13) && s.charCodeAt(ss + 13 + user.userId.length) === 0x22;
  sink.delivery(user, s.slice(cs, ce), id, s.slice(bs, s.indexOf('"', bs)), own);
}

/** Receipt events (contract section 10) by the start of their frame: counted, never parsed. */
const RECEIPT_EVENTS = ['delivered_receipt', 'read_receipt', 'chat_receipts'].map((kind) => [
  kind,
  `{"type":"${kind}",`,
]);

function receiptKind(s) {
  for (const [kind, head] of RECEIPT_EVENTS) if (s.startsWith(head)) return kind;
  return undefined;
}

function openSocket(url, localAddress) {
  return new WebSocket(url, { perMessageDeflate: false, localAddress, handshakeTimeout: CONNECT_TIMEOUT_MS });
}

/** Papo's frames (also the ceiling's). */
export class PapoWire {
  constructor(user, target, sink) {
    this.user = user;
    this.target = target;
    this.sink = sink;
    this.requests = new Requests();
    this.seq = 0;
  }

  connect(localAddress) {
    return new Promise((resolve, reject) => {
      const ws = openSocket(`${this.target.wsBase}/ws?token=${encodeURIComponent(this.user.token)}`, localAddress);
      this.ws = ws;
      let settled = false;
      const fail = (why) => {
        if (settled) return;
        settled = true;
        reject(new RequestError(why));
      };
      ws.on('message', (data) => {
        const s = data.toString();
        if (s.startsWith('{"type":"message_created"')) return deliverRaw(this.sink, this.user, s);
        const receipt = receiptKind(s);
        if (receipt) return this.sink.receiptEvent(receipt);
        const f = JSON.parse(s);
        if (f.type === 'auth_ok' && !settled) {
          settled = true;
          for (const c of f.chats ?? []) this.user.chats.add(c);
          return resolve();
        }
        this.onEvent(f);
      });
      ws.on('unexpected-response', (_req, res) => fail(`http_${res.statusCode}`));
      ws.on('error', (err) => fail(err.code ?? err.message));
      ws.on('close', (code) => {
        fail(`close_${code}`);
        this.requests.failAll('closed');
        this.sink.closed(this.user, code);
      });
    });
  }

  onEvent(f) {
    switch (f.type) {
      case 'ack':
        return this.sink.ack(f.client_msg_id);
      case 'error':
        if (f.request_id && this.requests.settle(f.request_id, new RequestError(f.error))) return;
        return this.sink.error(f.error, f.client_msg_id);
      case 'chat_created':
      case 'chat_added':
      case 'joined':
      case 'dm_ready':
        this.user.chats.add(f.chat_id);
        if (f.request_id) this.requests.settle(f.request_id, undefined, f);
        return;
      default:
        if (f.request_id) this.requests.settle(f.request_id, undefined, f);
    }
  }

  request(action, data) {
    const id = `r${++this.seq}`;
    const reply = this.requests.add(id);
    this.ws.send(JSON.stringify({ action, data, request_id: id }));
    return reply;
  }

  createPublicChat(title) {
    return this.request('create_public_chat', { title }).then((r) => r.chat_id);
  }
  joinChat(chatId) {
    return this.request('join_chat', { chat_id: chatId });
  }
  createDm(peerUserId) {
    return this.request('create_dm', { peer_user_id: peerUserId }).then((r) => r.chat_id);
  }
  createGroup(title, memberIds) {
    return this.request('create_group', { title, member_ids: memberIds }).then((r) => r.chat_id);
  }
  addMembers(chatId, userIds) {
    return this.request('add_members', { chat_id: chatId, user_ids: userIds });
  }

  send(chatId, body, clientMsgId) {
    this.ws.send(
      `{"action":"send_message","data":{"chat_id":"${chatId}","body":"${body}","client_msg_id":"${clientMsgId}"}}`,
    );
  }

  /** `received` or `read_receipt` up to a message (what the SDK's ReceiptSender sends); true: it went out. */
  receipt(action, chatId, messageId) {
    this.ws.send(`{"action":"${action}","data":{"chat_id":"${chatId}","message_id":${messageId}}}`);
    return true;
  }

  close() {
    this.ws?.terminate();
  }
}

/** Socket.IO 4 over a raw WebSocket: Engine.IO packets 0 open, 2 ping, 3 pong, 4 message; Socket.IO packets
 * 0 connect (with the auth payload), 2 event, 3 ack, 4 connect error. */
export class SioRawWire extends PapoWire {
  connect(localAddress) {
    return new Promise((resolve, reject) => {
      const ws = openSocket(`${this.target.wsBase}/socket.io/?EIO=4&transport=websocket`, localAddress);
      this.ws = ws;
      let settled = false;
      const fail = (why) => {
        if (settled) return;
        settled = true;
        reject(new RequestError(why));
      };
      ws.on('message', (data) => {
        const s = data.toString();
        if (s.startsWith('42["message_created",')) return deliverRaw(this.sink, this.user, s);
        switch (s.charCodeAt(0)) {
          case 0x30: // '0' open: connect to the main namespace with the token
            return ws.send(`40${JSON.stringify({ token: this.user.token })}`);
          case 0x32: // '2' ping
            return ws.send('3');
          case 0x34: // '4' message
            break;
          default:
            return;
        }
        const type = s.charCodeAt(1);
        if (type === 0x34) return fail('connect_error'); // '44'
        if (type === 0x33) return this.onAck(s); // '43'
        if (type !== 0x32) return; // '40' connected: auth_ok follows
        const [name, payload] = JSON.parse(s.slice(2));
        if (name === 'auth_ok' && !settled) {
          settled = true;
          for (const c of payload.chats ?? []) this.user.chats.add(c);
          return resolve();
        }
        if (name === 'dm_ready') this.user.chats.add(payload.chat_id);
      });
      ws.on('unexpected-response', (_req, res) => fail(`http_${res.statusCode}`));
      ws.on('error', (err) => fail(err.code ?? err.message));
      ws.on('close', (code) => {
        fail(`close_${code}`);
        this.requests.failAll('closed');
        this.sink.closed(this.user, code);
      });
    });
  }

  onAck(s) {
    const open = s.indexOf('[');
    const id = Number(s.slice(2, open));
    const [payload] = JSON.parse(s.slice(open));
    if (id >= SEND_ACK_BASE) {
      if (payload.error) this.sink.error(payload.error, payload.client_msg_id);
      else this.sink.ack(payload.client_msg_id);
      return;
    }
    if (payload.error) this.requests.settle(String(id), new RequestError(payload.error));
    else {
      if (payload.chat_id) this.user.chats.add(payload.chat_id);
      this.requests.settle(String(id), undefined, payload);
    }
  }

  request(action, data) {
    const id = String(++this.seq);
    const reply = this.requests.add(id);
    this.ws.send(`42${id}${JSON.stringify([action, data])}`);
    return reply;
  }

  send(chatId, body, clientMsgId) {
    const id = SEND_ACK_BASE + ++this.seq;
    this.ws.send(`42${id}["send_message",{"chat_id":"${chatId}","body":"${body}","client_msg_id":"${clientMsgId}"}]`);
  }
}

/** The official socket.io-client (cross-check only: its parser and emitter cost the generator more CPU). */
export class SioOfficialWire extends PapoWire {
  connect(localAddress) {
    return new Promise((resolve, reject) => {
      const socket = io(this.target.baseUrl, {
        transports: ['websocket'],
        auth: { token: this.user.token },
        forceNew: true,
        reconnection: false,
        timeout: CONNECT_TIMEOUT_MS,
        localAddress,
      });
      this.socket = socket;
      socket.on('auth_ok', (payload) => {
        for (const c of payload.chats ?? []) this.user.chats.add(c);
        resolve();
      });
      socket.on('message_created', (p) =>
        this.sink.delivery(
          this.user,
          p.chat_id,
          p.message.id,
          p.message.body,
          p.message.sender_id === this.user.userId,
        ),
      );
      socket.on('dm_ready', (p) => this.user.chats.add(p.chat_id));
      socket.on('connect_error', (err) => reject(new RequestError(err.message)));
      socket.on('disconnect', (reason) => this.sink.closed(this.user, reason));
    });
  }

  async request(action, data) {
    const payload = await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(action, data);
    if (payload.error) throw new RequestError(payload.error);
    if (payload.chat_id) this.user.chats.add(payload.chat_id);
    return payload;
  }

  send(chatId, body, clientMsgId) {
    this.socket.emit('send_message', { chat_id: chatId, body, client_msg_id: clientMsgId }, (payload) => {
      if (payload.error) this.sink.error(payload.error, payload.client_msg_id);
      else this.sink.ack(payload.client_msg_id);
    });
  }

  close() {
    this.socket?.disconnect();
  }
}

export const WIRES = { papo: PapoWire, sio: SioRawWire, 'sio-official': SioOfficialWire };

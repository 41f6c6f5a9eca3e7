import { CLOSE_CODES } from '@papo/protocol';
import type { Logger } from '../log.js';
import { eventTypeOf, frameOut } from '../metrics.js';
import { chatIdFromChannel, type Keys, userIdFromChannel } from '../store/keys.js';
import type { MessageStore } from '../store/messages.js';
import type { RedisClient } from '../store/redis.js';
import type { Connection, Hidden } from '../transport/connection.js';
import { type BusFrame, parseBusFrame } from './bus-frame.js';
import { textFrame } from './ws-frame.js';

/** The local connections following one chat, and where this worker is in the chat's message sequence. */
type ChatRoute = {
  conns: Set<Connection>;
  subscribed: Promise<void>;
  /** Highest message id forwarded (-1: not known yet). A higher one that skips ids means frames were lost. */
  lastId: number;
  /** Frames held while missed messages are fetched, so everything still goes out in id order. */
  held: Buffer[] | null;
  /** Called once the held frames are out (a backfill waiting for a catch-up to end). */
  onReleased?: (() => void)[];
  /** Receipt events waiting to leave with the chat's next message (RECEIPT_HOLD_MS at most), by key. */
  receipts?: Map<string, Buffer>;
  receiptTimer?: ReturnType<typeof setTimeout>;
};

const CATCH_UP_PAGE = 200;
const RESYNC_SETTLE_MS = 250;
/** A catch-up that failed is tried again after these (ms), holding live frames meanwhile, then given up. */
const CATCH_UP_RETRY_MS = [250, 1000, 3000];
/** Live frames held past this while a catch-up is retried: it is given up at once. */
const MAX_HELD_FRAMES = 2000;
/**
 * Receipt events wait this long at most for the chat's next frame. In a busy chat they then leave in the same
 * write to each socket as a message (write-batching.ts) instead of one write each, and a user's later receipt
 * replaces their earlier one: those writes were over a quarter of a receipt's cost (bench scenario r: 1,000
 * msg/s into groups of 10, every client reading at once), for ticks at most this much later.
 */
const RECEIPT_HOLD_MS = 250;
/** The end of a `message_created` event around a stored message (catch-up and backfill build them). */
const EVENT_TAIL = Buffer.from('}');

/** Hides everyone: a connection's hidden users while they are read at auth, so nobody blocked slips through. */
const HIDE_ALL: Hidden = { has: () => true };

/** Reads the users hidden from a user (store/blocks.ts). */
export type HiddenReader = (userId: string) => Promise<string[]>;

/**
 * Routes bus frames from Redis Pub/Sub to this worker's sockets. The worker subscribes to a chat's channel
 * only while it has a local connection in that chat, and to a user's channel while that user has one here.
 * Each frame arrives once per worker and its JSON bytes go unchanged to every socket. The channels are
 * sharded (SSUBSCRIBE): on a Redis Cluster each lives on its slot's shard, and a frame goes to that shard's
 * subscribers only.
 */
export class Hub {
  private readonly chats = new Map<string, ChatRoute>();
  /** A user's connections here: most users have one, kept without a Set of its own (memory per connection). */
  private readonly users = new Map<string, Connection | Set<Connection>>();
  /** Users whose hidden users are being read, and the latest read's number: an older read's answer is dropped. */
  private readonly hiddenReads = new Map<string, number>();

  constructor(
    private readonly subscriber: RedisClient,
    private readonly keys: Keys,
    private readonly messages: MessageStore,
    private readonly log: Logger,
    private readonly readHidden: HiddenReader = async () => [],
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.onFrame(channel, message));
    // After a lost subscriber connection (a Redis restart, a cluster failover or slot move) ioredis
    // resubscribes; frames published meanwhile are gone, so every chat with a known position fetches what it
    // missed. Gap detection catches the rest: the next message's id skips.
    // On a cluster a failover makes ioredis' shard subscribers come and go many times a second until the
    // replica takes over: one resync once things settle. It subscribes every channel again first (a no-op
    // for a channel still subscribed): ioredis has been seen to leave one out after a failover, and a chat
    // whose channel is lost would never show a gap.
    let settle: NodeJS.Timeout | undefined;
    const resync = () => {
      clearTimeout(settle);
      settle = setTimeout(() => {
        void this.resubscribeAll().finally(() => {
          for (const [chatId, route] of this.chats) if (route.lastId >= 0) this.catchUp(chatId, route, route.lastId);
        });
      }, RESYNC_SETTLE_MS);
    };
    this.subscriber.on('ready', resync);
    this.subscriber.on('subscribersReady', resync);
    await this.subscriber.ssubscribe(this.keys.presenceChannel);
  }

  /** SSUBSCRIBE every channel this worker follows again; failures are logged (gap detection still helps). */
  private async resubscribeAll(): Promise<void> {
    const channels = [
      this.keys.presenceChannel,
      ...[...this.chats.keys()].map((chatId) => this.keys.chatChannel(chatId)),
      ...[...this.users.keys()].map((userId) => this.keys.userChannel(userId)),
    ];
    // One channel per call: on a cluster a call's channels must share a slot.
    const results = await Promise.allSettled(channels.map((channel) => this.subscriber.ssubscribe(channel)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.log.warn({ failed, channels: channels.length }, 'resubscribe failed for some channels');
  }

  get chatCount(): number {
    return this.chats.size;
  }

  get userCount(): number {
    return this.users.size;
  }

  /** Sends one serialised event to each connection: framed once, the same bytes to every socket. */
  private deliver(conns: Iterable<Connection>, json: Buffer, type: string): void {
    let frame: Buffer | undefined;
    let sent = 0;
    for (const conn of conns) {
      frame ??= textFrame(json);
      conn.sendFramed(frame);
      sent++;
    }
    if (sent > 0) frameOut(type).inc(sent);
  }

  /**
   * A typing event: to every connection but the typist's own and those the typist is hidden from (blocks; a
   * connection without any pays one property read).
   */
  private deliverTyping(conns: Iterable<Connection>, json: Buffer, typist: string): void {
    let frame: Buffer | undefined;
    let sent = 0;
    for (const conn of conns) {
      if (conn.userId === typist || conn.hidden?.has(typist)) continue;
      frame ??= textFrame(json);
      conn.sendFramed(frame);
      sent++;
    }
    if (sent > 0) frameOut('typing').inc(sent);
  }

  /**
   * The connection receives the chat's events once this resolves. `fromId` is the chat's position when the
   * caller learnt of it: with `fetch`, messages after it are fetched and forwarded first; without, it only
   * sets where gap detection starts.
   */
  attachChat(conn: Connection, chatId: string, fromId?: number, fetch = true): Promise<void> {
    if (!conn.open) return Promise.resolve();
    conn.chats.add(chatId);
    const existing = this.chats.get(chatId);
    if (existing) {
      existing.conns.add(conn);
      // The route went past `fromId` before this connection joined it (another connection here attached first
      // and took the catch-up, e.g. a group's other member): what it forwarded meanwhile is this one's to get.
      // (What it missed is what the route forwarded up to now: later frames reach it.)
      const upTo = existing.lastId;
      if (fromId !== undefined && fetch && upTo > fromId) {
        return existing.subscribed.then(() => this.backfill(conn, chatId, existing, fromId, upTo));
      }
      return existing.subscribed;
    }
    const catchUp = fromId !== undefined && fetch;
    const route: ChatRoute = {
      conns: new Set([conn]),
      lastId: fromId ?? -1,
      held: catchUp ? [] : null,
      subscribed: Promise.resolve(),
    };
    this.chats.set(chatId, route);
    route.subscribed = this.subscriber.ssubscribe(this.keys.chatChannel(chatId)).then(
      () => (catchUp ? this.catchUp(chatId, route, fromId) : undefined),
      (err: Error) => {
        // Nothing will come to release held frames: deliver live ones as they come (the next resync or gap
        // detection fetches what is missed).
        route.held = null;
        this.log.error({ chatId, err: err.message }, 'subscribe failed');
      },
    );
    return route.subscribed;
  }

  detachChat(conn: Connection, chatId: string): void {
    conn.chats.delete(chatId);
    const route = this.chats.get(chatId);
    if (!route?.conns.delete(conn) || route.conns.size > 0) return;
    clearTimeout(route.receiptTimer);
    this.chats.delete(chatId);
    this.subscriber.sunsubscribe(this.keys.chatChannel(chatId)).catch(() => {});
  }

  /**
   * The connection follows its user's channel. Until `refreshHidden` has read the user's hidden users, the
   * connection is told nobody's presence or typing.
   */
  async attachUser(conn: Connection, userId: string): Promise<void> {
    if (!conn.open) return;
    conn.hidden = HIDE_ALL;
    const conns = this.users.get(userId);
    if (!conns) {
      this.users.set(userId, conn);
      await this.subscriber.ssubscribe(this.keys.userChannel(userId));
    } else if (conns instanceof Set) conns.add(conn);
    else if (conns !== conn) this.users.set(userId, new Set([conns, conn]));
  }

  /**
   * Reads the users hidden from `userId` and gives the set to each of the user's connections here (none for a
   * user with no block either way). Called at auth, after the connection follows the user's channel, and on
   * each `h` user frame (a block made or lifted): whichever read starts last decides, so a change published
   * while an earlier read is under way is not lost. Throws when the read fails (a failed read after a change
   * leaves the connections' sets as they were, and is logged).
   */
  async refreshHidden(userId: string): Promise<void> {
    const number = (this.hiddenReads.get(userId) ?? 0) + 1;
    this.hiddenReads.set(userId, number);
    try {
      const ids = await this.readHidden(userId);
      if (this.hiddenReads.get(userId) !== number) return;
      const hidden = ids.length > 0 ? new Set(ids) : undefined;
      const conns = this.users.get(userId);
      for (const conn of conns instanceof Set ? conns : conns ? [conns] : []) conn.hidden = hidden;
    } finally {
      if (this.hiddenReads.get(userId) === number) this.hiddenReads.delete(userId);
    }
  }

  /**
   * A block made: the user's connections here hide `userId` now, in this frame's order on the user's channel
   * (what follows it there sees the block in force), before the read that `refreshHidden` then makes.
   */
  private hideNow(conns: Connection | Set<Connection>, userId: string): void {
    // A user's connections here share one set (refreshHidden); one that has none gets a new shared one.
    let made: Set<string> | undefined;
    for (const conn of conns instanceof Set ? conns : [conns]) {
      if (conn.hidden instanceof Set) conn.hidden.add(userId);
      else if (conn.hidden === undefined) {
        made ??= new Set([userId]);
        conn.hidden = made;
      }
      // Otherwise HIDE_ALL: its read is under way and hides everyone meanwhile.
    }
  }

  /** Forget a closed connection everywhere. */
  detachAll(conn: Connection): void {
    for (const chatId of [...conn.chats]) this.detachChat(conn, chatId);
    const userId = conn.userId;
    const conns = userId ? this.users.get(userId) : undefined;
    if (!userId || !conns) return;
    if (conns instanceof Set) {
      if (conns.delete(conn) && conns.size === 1) this.users.set(userId, conns.values().next().value as Connection);
    } else if (conns === conn) {
      this.users.delete(userId);
      this.subscriber.sunsubscribe(this.keys.userChannel(userId)).catch(() => {});
    }
  }

  private onFrame(channelBuffer: Buffer, raw: Buffer): void {
    const frame = parseBusFrame(raw);
    if (!frame) return;
    const channel = channelBuffer.toString();
    if (frame.kind === 'presence') {
      this.onPresence(frame);
      return;
    }
    const chatId = chatIdFromChannel(this.keys, channel);
    if (chatId !== undefined) {
      this.onChatFrame(chatId, frame, raw);
      return;
    }
    const userId = userIdFromChannel(this.keys, channel);
    if (userId !== undefined && frame.kind === 'user') this.onUserFrame(userId, frame);
  }

  /** `fillGaps: false` forwards a frame past a gap as it is (clients fetch what they miss by id). */
  private onChatFrame(chatId: string, frame: BusFrame, raw: Buffer, fillGaps = true): void {
    const route = this.chats.get(chatId);
    if (!route) return;
    if (route.held) {
      route.held.push(raw);
      return;
    }
    if (frame.kind === 'message') {
      if (frame.id <= route.lastId) return; // already forwarded by a catch-up
      if (fillGaps && route.lastId >= 0 && frame.id > route.lastId + 1) {
        route.held = [raw];
        this.catchUp(chatId, route, route.lastId);
        return;
      }
      route.lastId = frame.id;
    }
    if (frame.kind === 'receipt') {
      this.holdReceipt(route, frame.key, frame.json);
      return;
    }
    // What waits goes first, in this turn: into the same write as this frame to each socket.
    if (route.receipts) this.releaseReceipts(route);
    if (frame.kind === 'message') this.deliver(route.conns, frame.json, 'message_created');
    else if (frame.kind === 'except-user') this.deliverTyping(route.conns, frame.json, frame.userId);
    else if (frame.kind === 'member-removed') this.onMemberRemoved(chatId, route, frame.userId, frame.json);
    else if (frame.kind === 'except-users') {
      const { userIds } = frame;
      const conns = [...route.conns].filter((conn) => conn.userId === undefined || !userIds.has(conn.userId));
      this.deliver(conns, frame.json, eventTypeOf(frame.json));
    } else this.deliver(route.conns, frame.json, eventTypeOf(frame.json));
  }

  private holdReceipt(route: ChatRoute, key: string, json: Buffer): void {
    route.receipts ??= new Map();
    route.receipts.delete(key); // a later one of the same kind and user replaces it, in arrival order
    route.receipts.set(key, json);
    route.receiptTimer ??= setTimeout(() => this.releaseReceipts(route), RECEIPT_HOLD_MS);
  }

  private releaseReceipts(route: ChatRoute): void {
    clearTimeout(route.receiptTimer);
    route.receiptTimer = undefined;
    const receipts = route.receipts;
    route.receipts = undefined;
    for (const json of receipts?.values() ?? []) this.deliver(route.conns, json, eventTypeOf(json));
  }

  /**
   * A member left or was removed. Their connections here stop following the chat now, at this point of the
   * chat's own sequence, so nothing the chat publishes after the removal reaches them, whenever their own
   * channel's news (chat_removed or left, from their chat list's change) arrives. The others are told.
   */
  private onMemberRemoved(chatId: string, route: ChatRoute, userId: string, json: Buffer): void {
    for (const conn of [...route.conns]) if (conn.userId === userId) this.detachChat(conn, chatId);
    if (this.chats.get(chatId) === route) this.deliver(route.conns, json, 'chat_member_removed');
  }

  private onUserFrame(userId: string, frame: Extract<BusFrame, { kind: 'user' }>): void {
    const conns = this.users.get(userId);
    if (!conns) return;
    if (frame.hiddenChanged) {
      if (frame.hide !== undefined) this.hideNow(conns, frame.hide);
      this.refreshHidden(userId).catch((err: Error) =>
        this.log.warn({ user: userId, err: err.message }, 'hidden users not read again after a block'),
      );
      if (frame.json.length > 0) this.deliver(conns instanceof Set ? conns : [conns], frame.json, 'blocks_changed');
      return;
    }
    const type = eventTypeOf(frame.json);
    for (const conn of conns instanceof Set ? [...conns] : [conns]) {
      if (conn.id === frame.skipConn) continue;
      if (frame.endSession !== undefined) {
        if (conn.sessionId === frame.endSession) conn.close(CLOSE_CODES.authFailed, 'session ended');
        continue;
      }
      for (const chatId of frame.detach) this.detachChat(conn, chatId);
      const attached = frame.attach.map(({ chatId, lastId }) => this.attachChat(conn, chatId, lastId));
      if (frame.json.length === 0) continue;
      // Tell the connection once it follows the chat, so its first message cannot arrive before the news.
      if (attached.length === 0) this.deliver([conn], frame.json, type);
      else void Promise.all(attached).then(() => this.deliver([conn], frame.json, type));
    }
  }

  private onPresence(frame: Extract<BusFrame, { kind: 'presence' }>): void {
    const targets = new Set<Connection>();
    for (const chatId of frame.chats) {
      const route = this.chats.get(chatId);
      if (!route) continue;
      for (const conn of route.conns) {
        // Neither side of a block sees the other's presence (a connection with no block pays one read).
        if (conn.userId !== frame.userId && (conn.hidden === undefined || !conn.hidden.has(frame.userId))) {
          targets.add(conn);
        }
      }
    }
    this.deliver(targets, frame.json, 'presence');
  }

  /**
   * Sends one connection that joined a route late the messages the route forwarded after `fromId` before it
   * joined (up to `upTo`, the route's position then), holding the route's live frames meanwhile so that
   * everything still goes out in id order.
   */
  private async backfill(
    conn: Connection,
    chatId: string,
    route: ChatRoute,
    fromId: number,
    upTo: number,
  ): Promise<void> {
    // A catch-up under way holds the route's frames: wait for it to end (what it forwards from now on reaches
    // this connection too; what it forwarded before is below `upTo`, fetched here).
    while (route.held) {
      const waiting = route.onReleased ?? [];
      route.onReleased = waiting;
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    if (!conn.userId || !conn.open || this.chats.get(chatId) !== route || !route.conns.has(conn)) return;
    route.held = [];
    try {
      await this.readAfter(conn.userId, chatId, fromId, (id, event) => {
        if (id > upTo) return false;
        this.deliver([conn], event, 'message_created');
        return true;
      });
    } catch (err) {
      // The client fills what it misses by id (it sees a gap, or syncs on its next reconnect).
      this.log.warn({ chatId, err: (err as Error).message }, 'backfill failed; the client resyncs by id');
    } finally {
      this.releaseHeld(chatId, route);
    }
  }

  /** Live frames held meanwhile go out now, through the usual path (those already forwarded are skipped). */
  private releaseHeld(chatId: string, route: ChatRoute, fillGaps = true): void {
    const held = route.held ?? [];
    route.held = null;
    for (const raw of held) {
      const frame = parseBusFrame(raw);
      if (frame) this.onChatFrame(chatId, frame, raw, fillGaps);
    }
    const waiting = route.onReleased;
    route.onReleased = undefined;
    for (const resume of waiting ?? []) resume();
  }

  /**
   * Reads the chat's messages after `fromId` as `reader`, a page at a time, and hands each in id order to
   * `take` as its `message_created` event's bytes; `take` answers false to stop. Pages stop at a byte cap as
   * well (read-messages.lua): the reading goes on while one says more follow and it moved on.
   */
  private async readAfter(
    reader: string,
    chatId: string,
    fromId: number,
    take: (id: number, event: Buffer) => boolean,
  ): Promise<void> {
    const head = Buffer.from(`{"type":"message_created","chat_id":"${chatId}","message":`);
    for (let after = fromId; ; ) {
      const { messages, more } = await this.messages.page(reader, chatId, 'after', after, CATCH_UP_PAGE);
      let last = after;
      for (const message of messages) {
        const id = Number(/^\{"id":(\d+)/.exec(message)?.[1]);
        if (!(id > last)) continue;
        last = id;
        if (!take(id, Buffer.concat([head, Buffer.from(message), EVENT_TAIL]))) return;
      }
      if (!more || last <= after) return;
      after = last;
    }
  }

  /**
   * Fetch the messages after `fromId` from the chat's list, forward them in order, then the held frames. A
   * fetch that fails (Redis away: refused at once) is tried again after a while, never at once: the held
   * frames would ask for it again in the same breath, a promise loop that never yields to the event loop
   * (a worker that froze for good after Redis restarts, test/faults/command-link-flap.test.ts). Given up,
   * or when it brings nothing new, the held frames go out as they are and their gaps are the clients' to
   * fill by id (they do, after every gap they see).
   */
  private catchUp(chatId: string, route: ChatRoute, fromId: number, attempt = 0): void {
    route.held ??= [];
    const reader = [...route.conns].find((c) => c.userId)?.userId;
    let failed: Error | undefined;
    const fetchAll = async () => {
      if (!reader) return;
      await this.readAfter(reader, chatId, fromId, (id, event) => {
        if (id <= route.lastId) return true; // forwarded already
        route.lastId = id;
        this.deliver(route.conns, event, 'message_created');
        return true;
      });
    };
    fetchAll()
      .catch((err: Error) => {
        failed = err;
      })
      .finally(() => {
        const current = this.chats.get(chatId) === route;
        const retryIn = CATCH_UP_RETRY_MS[attempt];
        if (failed && current && retryIn !== undefined && (route.held?.length ?? 0) < MAX_HELD_FRAMES) {
          setTimeout(() => this.catchUp(chatId, route, route.lastId, attempt + 1), retryIn).unref();
          return;
        }
        if (failed) this.log.warn({ chatId, err: failed.message }, 'catch-up failed; clients resync by id');
        // Gaps among the held frames start another catch-up only if this one made progress (so each is
        // shorter than the last, and it ends).
        this.releaseHeld(chatId, route, !failed && route.lastId > fromId);
      });
  }
}

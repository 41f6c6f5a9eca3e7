import {
  ChatsQuery,
  HistoryQuery,
  HTTP_STATUS,
  LIMITS,
  PublicChatsQuery,
  UserId,
  UserLookupQuery,
} from '@papo/protocol';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CodeSender } from '../login/code-sender.js';
import type { MediaStorage } from '../media/storage.js';
import type { BlockStore } from '../store/blocks.js';
import type { ChatStore } from '../store/chats.js';
import type { GroupStore } from '../store/groups.js';
import type { Keys } from '../store/keys.js';
import type { MediaStore } from '../store/media.js';
import type { MessageStore } from '../store/messages.js';
import type { PushStore } from '../store/push.js';
import type { RedisClient } from '../store/redis.js';
import { MEMORY_WARNING_RATIO, type RedisMemory } from '../store/redis-memory.js';
import type { SessionStore } from '../store/sessions.js';
import type { UserStore } from '../store/users.js';
import { capConnectionsPerAddress, type TrustFn } from './client-address.js';
import { registerBlockRoutes } from './http-blocks.js';
import { registerContactRoutes } from './http-contacts.js';
import { registerGroupRoutes } from './http-groups.js';
import { addressOf, authenticated, registerLoginRoutes } from './http-login.js';
import { registerMediaRoutes } from './http-media.js';
import { registerPushRoutes } from './http-push.js';
import { metricsRoutes } from './metrics-http.js';
import { securityHeaders } from './security-headers.js';
import { serveWebClient } from './static-files.js';
import { checker, integers, listQuery, validate } from './validate.js';

type HttpDeps = {
  config: Config;
  log: Logger;
  redis: RedisClient;
  keys: Keys;
  users: UserStore;
  sessions: SessionStore;
  chats: ChatStore;
  groups: GroupStore;
  messages: MessageStore;
  media: MediaStore;
  storage: MediaStorage;
  push: PushStore;
  blocks: BlockStore;
  codeSender: CodeSender;
  /** TRUST_PROXY, compiled (client-address.ts). */
  trust: TrustFn;
  redisMemory: () => Promise<RedisMemory | undefined>;
  /** Why the worker is unhealthy beyond Redis not answering a PING (the Redis link watchdog), if it is. */
  health?: { problem(): string | undefined };
};

/** Headers are a few hundred bytes: a client that has not sent them by then is not a browser on a slow link. */
const HEADERS_TIMEOUT_MS = 10_000;

const ChatIdParam = Type.Object({ chat_id: UserId });
const UserIdParam = Type.Object({ user_id: UserId });

/**
 * Every request but an upload must arrive whole within `ms`, or gets 408 and its socket closed, as Node's own
 * check does (which is set to the uploads' longer time): a body trickling in cannot hold a socket.
 */
function bodyDeadline(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', (req, reply, done) => {
    const upload = req.method === 'POST' && req.url.split('?')[0] === '/api/media';
    if (req.raw.complete || upload) return done();
    const timer = setTimeout(() => {
      if (req.raw.complete || reply.raw.headersSent) return;
      req.raw.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      req.raw.socket.destroySoon();
    }, ms);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}

/** The HTTP API of the contract's sections 3 and 6, on Fastify. */
export function createHttpServer(deps: HttpDeps) {
  const { config, log, redis, keys, users, sessions, chats, groups, messages, blocks, codeSender, trust, redisMemory } =
    deps;
  const timeoutMs = config.httpRequestTimeoutMs;
  // Node's request timeout is one for the whole server: it is the upload's, the longest; every other request's
  // body is held to HTTP_REQUEST_TIMEOUT_MS below (bodyDeadline).
  const longestRequestMs = Math.max(timeoutMs, config.mediaUploadTimeoutMs);
  // Fastify's own request logging stays off: errors are logged below, and tokens never reach a log.
  const app = Fastify({
    logger: false,
    // `request.ip` follows TRUST_PROXY exactly as the WebSocket upgrade does (the same function).
    trustProxy: trust,
    bodyLimit: 16 * 1024,
    // A request not received whole in time gets 408 and its socket is closed; a socket silent that long too.
    requestTimeout: longestRequestMs,
    connectionTimeout: timeoutMs,
    http: {
      requestTimeout: longestRequestMs,
      // Node 20 swaps the two when headersTimeout (60 s by default) is the larger, and a slow body would
      // then have 60 s: it stays at or below requestTimeout.
      headersTimeout: Math.min(timeoutMs, HEADERS_TIMEOUT_MS),
      // Node looks for overdue requests this often (30 s by default, which would double the timeout).
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeoutMs / 10))),
    },
  });
  capConnectionsPerAddress(app.server, config.maxConnectionsPerIp, trust);
  bodyDeadline(app, timeoutMs);
  securityHeaders(app, config.production);
  // A route without a body (logout, say) called the way most tools call it, with `content-type: application/json`
  // and nothing after: no body, not a 400. Anything else goes through Fastify's own parser (prototype-safe).
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    return json(req, body as string, done);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof AppError) return sendError(reply, err);
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.name === 'SyntaxError') {
      return reply.code(400).send({ error: 'bad_json', message: 'The body is not valid JSON.' });
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(400).send({ error: 'invalid_payload', message: err.message });
    }
    const error = toAppError(err);
    log.error({ err, method: req.method, url: req.url.split('?')[0] }, 'request failed');
    return sendError(reply, error);
  });
  const webDir = serveWebClient(app, config.webDir);
  app.setNotFoundHandler((req, reply) => {
    // The web client routes on the client side: any other page path gets its index.html.
    const page = req.method === 'GET' && !req.url.startsWith('/api/') && req.headers.accept?.includes('text/html');
    if (webDir && page) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply.code(404).send({ error: 'not_found', message: 'No such route.' });
  });

  function sendError(reply: FastifyReply, err: AppError) {
    return reply.code(HTTP_STATUS[err.code]).send({ error: err.code, message: err.message, ...err.extra });
  }

  /** The user of the request's Bearer token; 401 without a valid one. */
  async function authUser(req: FastifyRequest): Promise<string> {
    return (await authenticated(req, users)).userId;
  }

  app.get('/healthz', async (_req, reply) => {
    // The link watchdog's verdict first: a worker whose heartbeat cannot write may still answer a PING.
    const problem = deps.health?.problem();
    if (problem) return reply.code(503).send({ status: 'unavailable', error: 'internal', message: problem });
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, fail) => setTimeout(() => fail(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      return reply.code(503).send({ status: 'unavailable', error: 'internal', message: 'Redis does not answer.' });
    }
    // Memory pressure is reported, not a failure: reads still work, and a balancer should not drop the instance.
    // A reading that is slow to come is left out rather than holding the balancer's check.
    const memory = await Promise.race([
      redisMemory(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref()),
    ]);
    if (!memory) return { status: 'ok' };
    const full = memory.maxmemoryBytes > 0 ? memory.usedBytes / memory.maxmemoryBytes : 0;
    const warning =
      full >= MEMORY_WARNING_RATIO
        ? `Redis uses ${Math.round(full * 100)}% of its maxmemory; past 100% writes fail (internal).`
        : undefined;
    return {
      status: 'ok',
      redis_memory: {
        used_bytes: memory.usedBytes,
        maxmemory_bytes: memory.maxmemoryBytes,
        ...(warning ? { warning } : {}),
      },
    };
  });

  metricsRoutes(app, config.metricsToken);

  registerLoginRoutes(app, { config, keys, users, sessions, codeSender, media: deps.media });

  app.get('/api/users/online', async (req) => {
    const userId = await authUser(req);
    return { users: await users.onlineUsers(userId) };
  });

  // Exact matches only, and each lookup counts whether it finds someone or not: a way to reach a friend whose
  // phone or e-mail one knows, never a way to list or guess users.
  app.get('/api/users/lookup', async (req) => {
    const userId = await authUser(req);
    // `?phone=+55…` written without encoding its plus arrives as a space (form decoding): it is that plus.
    const raw = { ...(req.query as Record<string, string>) };
    if (typeof raw.phone === 'string') raw.phone = raw.phone.replace(/^ (?=[0-9])/, '+');
    const query = validate(UserLookupQuery, raw, 'query');
    await users.hit(keys.rateLookups(userId), config.userLookupsPerHour, 3600, 'lookups');
    const found = await users.lookup(addressOf(query), userId);
    if (!found) throw new AppError('not_found', 'Nobody logs in with that phone or e-mail.');
    return found;
  });

  app.get('/api/users/:user_id', async (req) => {
    const viewer = await authUser(req);
    if (!checker(UserIdParam).Check(req.params)) throw new AppError('not_found', 'No such user.');
    const details = await users.details((req.params as { user_id: string }).user_id, viewer);
    if (!details) throw new AppError('not_found', 'No such user.');
    return details;
  });

  // The chat lists come in pages: a user may be in MAX_CHATS_PER_USER chats and the directory has no bound,
  // and one answer for all of them cost thousands of Redis commands (issue 16).
  app.get('/api/chats', async (req) => {
    const userId = await authUser(req);
    const query = validate(ChatsQuery, listQuery(req.query as Record<string, string>), 'query');
    const page = await chats.summaries(userId, query.cursor, query.limit ?? LIMITS.chatsPageDefault);
    return { chats: page.items, next_cursor: page.nextCursor ?? null };
  });

  app.get('/api/chats/public', async (req) => {
    await authUser(req);
    const query = validate(PublicChatsQuery, listQuery(req.query as Record<string, string>), 'query');
    const page = await chats.publicChats(query.cursor, query.limit ?? LIMITS.chatsPageDefault);
    return { chats: page.items, next_cursor: page.nextCursor ?? null };
  });

  registerContactRoutes(app, { users, chats });
  registerGroupRoutes(app, { users, groups, chats });
  registerBlockRoutes(app, { users, blocks });
  registerMediaRoutes(app, { config, log, users, media: deps.media, storage: deps.storage });
  registerPushRoutes(app, { users, push: deps.push });

  app.get('/api/chats/:chat_id/messages', async (req, reply) => {
    const userId = await authUser(req);
    if (!checker(ChatIdParam).Check(req.params)) throw new AppError('not_found', 'No such chat.');
    const { chat_id: chatId } = req.params as { chat_id: string };
    const query = validate(HistoryQuery, integers(req.query as Record<string, string>), 'query');
    const page = await messages.userPage(
      userId,
      chatId,
      'before',
      query.before ?? 0,
      query.limit ?? LIMITS.historyLimitDefault,
    );
    // Stored JSON goes out as is: no parse and re-serialisation of every message.
    const more = page.more ? ',"more":true' : '';
    return reply.type('application/json; charset=utf-8').send(`{"messages":[${page.messages.join(',')}]${more}}`);
  });

  return app;
}

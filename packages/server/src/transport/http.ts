import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import {
  HistoryQuery,
  HTTP_STATUS,
  LIMITS,
  LoginBody,
  LoginCodeBody,
  LoginVerifyBody,
  TIMINGS,
  UserId,
} from '@papo/protocol';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CodeSender } from '../login/code-sender.js';
import { clusterMetrics, metricsContentType, workerMetrics } from '../metrics.js';
import type { ChatStore } from '../store/chats.js';
import type { Keys } from '../store/keys.js';
import type { MessageStore } from '../store/messages.js';
import type { RedisClient } from '../store/redis.js';
import type { UserStore } from '../store/users.js';
import { checker, validate } from './validate.js';

type HttpDeps = {
  config: Config;
  log: Logger;
  redis: RedisClient;
  keys: Keys;
  users: UserStore;
  chats: ChatStore;
  messages: MessageStore;
  codeSender: CodeSender;
  /** Why the worker is unhealthy beyond Redis not answering a PING (the Redis link watchdog), if it is. */
  health?: { problem(): string | undefined };
};

const ChatIdParam = Type.Object({ chat_id: UserId });
const UserIdParam = Type.Object({ user_id: UserId });

/** A display name for a new phone/e-mail account that gave none: the e-mail's local part, or "User 5678". */
/** The built web client (packages/web/dist, or WEB_DIR) at `/`, when it has been built. */
function serveWebClient(app: FastifyInstance, configured: string | undefined): string | undefined {
  const dir = configured ?? fileURLToPath(new URL('../../../web/dist/', import.meta.url));
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  app.register(fastifyStatic, {
    root: dir,
    cacheControl: false,
    // Vite names assets by content hash: they never change, so browsers may keep them.
    setHeaders: (res, path) =>
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  return dir;
}

function defaultUsername(address: string): string {
  if (address.includes('@')) return address.split('@')[0]!.slice(0, LIMITS.usernameMaxLength);
  return `User ${address.slice(-4)}`;
}

/** Query values arrive as strings: integers are parsed before validation. */
function integers(query: Record<string, string | undefined>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) out[key] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

/** The HTTP API of the contract's sections 3 and 6, on Fastify. */
export function createHttpServer(deps: HttpDeps) {
  const { config, log, redis, keys, users, chats, messages, codeSender } = deps;
  // Fastify's own request logging stays off: errors are logged below, and tokens never reach a log.
  const app = Fastify({
    logger: false,
    trustProxy: config.trustProxy,
    bodyLimit: 16 * 1024,
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
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const userId = token ? await users.tokenUser(token) : undefined;
    if (!userId) throw new AppError('unauthenticated', 'A valid Bearer token is required; log in again.');
    return userId;
  }

  const limitIp = (req: FastifyRequest) =>
    users.hit(keys.rateLoginIp(req.ip), config.loginRateLimitPerIp, config.loginRateWindowSeconds, 'login requests');

  app.get('/healthz', async (_req, reply) => {
    // The link watchdog's verdict first: a worker whose heartbeat cannot write may still answer a PING.
    const problem = deps.health?.problem();
    if (problem) return reply.code(503).send({ status: 'unavailable', error: 'internal', message: problem });
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, fail) => setTimeout(() => fail(new Error('timeout')), 2000).unref()),
      ]);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', error: 'internal', message: 'Redis does not answer.' });
    }
  });

  // Prometheus: every worker's metrics summed by the primary, or the answering worker's alone.
  app.get('/metrics', async (_req, reply) => reply.type(metricsContentType).send(await clusterMetrics()));
  app.get('/metrics/worker', async (_req, reply) => reply.type(metricsContentType).send(await workerMetrics()));

  app.post('/api/login', async (req) => {
    await limitIp(req);
    const body = validate(LoginBody, req.body, 'body');
    return users.createTemporary(body.username, body.avatar_url ?? '');
  });

  app.post('/api/login/code', async (req, reply) => {
    await limitIp(req);
    const body = validate(LoginCodeBody, req.body, 'body');
    const channel = 'phone' in body ? 'phone' : 'email';
    const address = 'phone' in body ? body.phone : body.email.toLowerCase();
    await users.hit(
      keys.rateLoginAddress(address),
      config.loginCodeRateLimitPerAddress,
      config.loginRateWindowSeconds,
      'codes for this address',
    );
    const code = await users.issueCode(address);
    try {
      await codeSender.send({ channel, to: address, code, expires_in: TIMINGS.loginCodeTtlSeconds });
    } catch (err) {
      await users.forgetCode(address);
      throw new AppError('internal', 'The code could not be delivered; try again later.', {}, { cause: err });
    }
    return reply.code(202).send(config.production ? { sent: true } : { sent: true, dev_code: code });
  });

  app.post('/api/login/verify', async (req) => {
    await limitIp(req);
    const body = validate(LoginVerifyBody, req.body, 'body');
    const address = 'phone' in body ? body.phone : body.email.toLowerCase();
    return users.verifyCode(
      address,
      body.code,
      { username: body.username, avatar_url: body.avatar_url },
      defaultUsername(address),
    );
  });

  app.get('/api/me', async (req) => {
    const userId = await authUser(req);
    const profile = await users.profile(userId);
    if (!profile) throw new AppError('unauthenticated', 'This account no longer exists; log in again.');
    return profile;
  });

  app.get('/api/users/online', async (req) => {
    await authUser(req);
    return { users: await users.onlineUsers() };
  });

  app.get('/api/users/:user_id', async (req) => {
    await authUser(req);
    if (!checker(UserIdParam).Check(req.params)) throw new AppError('not_found', 'No such user.');
    const details = await users.details((req.params as { user_id: string }).user_id);
    if (!details) throw new AppError('not_found', 'No such user.');
    return details;
  });

  app.get('/api/chats', async (req) => ({ chats: await chats.summaries(await authUser(req)) }));

  app.get('/api/chats/public', async (req) => {
    await authUser(req);
    return { chats: await chats.publicChats() };
  });

  app.get('/api/chats/:chat_id/messages', async (req, reply) => {
    const userId = await authUser(req);
    if (!checker(ChatIdParam).Check(req.params)) throw new AppError('not_found', 'No such chat.');
    const { chat_id: chatId } = req.params as { chat_id: string };
    const query = validate(HistoryQuery, integers(req.query as Record<string, string>), 'query');
    const page = await messages.page(
      userId,
      chatId,
      'before',
      query.before ?? 0,
      query.limit ?? LIMITS.historyLimitDefault,
    );
    // Stored JSON goes out as is: no parse and re-serialisation of every message.
    return reply.type('application/json; charset=utf-8').send(`{"messages":[${page.messages.join(',')}]}`);
  });

  return app;
}

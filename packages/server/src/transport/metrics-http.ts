import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { clusterMetrics, metricsContentType, workerMetrics } from '../metrics.js';

/** `/metrics`: every worker's figures summed by the primary; `/metrics/worker`: the answering worker's. */
const SOURCES: Record<string, () => Promise<string>> = {
  '/metrics': () => clusterMetrics(),
  '/metrics/worker': workerMetrics,
};

const NOT_FOUND = JSON.stringify({ error: 'not_found', message: 'No such route.' });

/**
 * Metrics on their own listener (METRICS_PORT on METRICS_HOST, loopback by default): for the scraper, out of
 * the public's reach. Every worker listens on it (node:cluster shares the port). A port that cannot be had is
 * a warning, not a reason to stop serving chats. Resolves with the listener, or undefined.
 */
export function listenForMetrics(config: Config, log: Logger): Promise<Server | undefined> {
  if (config.metricsPort === 0) return Promise.resolve(undefined);
  const server = createServer(
    { requestTimeout: config.httpRequestTimeoutMs, headersTimeout: Math.min(config.httpRequestTimeoutMs, 10_000) },
    (req, res) => {
      const source = req.method === 'GET' ? SOURCES[(req.url ?? '/').split('?')[0] as string] : undefined;
      if (!source) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(NOT_FOUND);
        return;
      }
      source().then(
        (text) => res.writeHead(200, { 'content-type': metricsContentType }).end(text),
        (err: Error) => {
          log.warn({ err: err.message }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
    },
  );
  return new Promise((resolve) => {
    server.once('error', (err: Error) => {
      log.warn(
        { port: config.metricsPort, host: config.metricsHost, err: err.message },
        'metrics port not available; /metrics is not served there (set METRICS_PORT, or 0 to turn it off)',
      );
      resolve(undefined);
    });
    server.listen(config.metricsPort, config.metricsHost, () => {
      log.info({ port: config.metricsPort, host: config.metricsHost }, 'metrics listening');
      resolve(server);
    });
  });
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `/metrics` and `/metrics/worker` on the main port: to `Authorization: Bearer <METRICS_TOKEN>` when it is set
 * (compared in constant time), otherwise to nobody. Anything else is 404, as for a route that does not exist.
 */
export function metricsRoutes(app: FastifyInstance, token: string | undefined): void {
  const expected = token ? digest(`Bearer ${token}`) : undefined;
  // Digests have one length, so timingSafeEqual compares any header without leaking the token's length.
  const allowed = (req: FastifyRequest) =>
    expected !== undefined && timingSafeEqual(digest(req.headers.authorization ?? ''), expected);
  for (const [path, source] of Object.entries(SOURCES)) {
    app.get(path, async (req, reply) => {
      if (!allowed(req)) return reply.code(404).type('application/json; charset=utf-8').send(NOT_FOUND);
      return reply.type(metricsContentType).send(await source());
    });
  }
}

import cluster from 'node:cluster';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, register } from 'prom-client';

/**
 * Prometheus metrics (prom-client). Each worker keeps its own; `GET /metrics` answers with every worker's
 * summed by the primary (node:cluster IPC), `GET /metrics/worker` with the answering worker's alone.
 */
collectDefaultMetrics({ prefix: 'papo_' });

/** Live values the gauges read when scraped (set by the worker at start-up). */
export const gaugeSources = {
  connections: () => 0,
  authenticatedUsers: () => 0,
  subscribedChats: () => 0,
};

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const metrics = {
  connections: new Gauge({
    name: 'papo_connections',
    help: 'Open WebSocket connections.',
    collect() {
      this.set(gaugeSources.connections());
    },
  }),
  authenticatedUsers: new Gauge({
    name: 'papo_authenticated_users',
    help: 'Users with at least one authenticated connection (per worker; summed, a user on two workers counts twice).',
    collect() {
      this.set(gaugeSources.authenticatedUsers());
    },
  }),
  subscribedChats: new Gauge({
    name: 'papo_subscribed_chats',
    help: 'Chat channels a worker is subscribed to.',
    collect() {
      this.set(gaugeSources.subscribedChats());
    },
  }),
  framesIn: new Counter({ name: 'papo_frames_in_total', help: 'Frames received, by action.', labelNames: ['action'] }),
  framesOut: new Counter({ name: 'papo_frames_out_total', help: 'Frames sent, by event type.', labelNames: ['type'] }),
  errors: new Counter({ name: 'papo_errors_total', help: 'Error frames sent, by code.', labelNames: ['code'] }),
  sendAck: new Histogram({
    name: 'papo_send_ack_seconds',
    help: 'From a send_message frame received to its ack sent.',
    buckets: LATENCY_BUCKETS,
  }),
  redisSeconds: new Histogram({
    name: 'papo_redis_script_seconds',
    help: 'Redis round trip of each Lua script.',
    labelNames: ['script'],
    buckets: LATENCY_BUCKETS,
  }),
  redisErrors: new Counter({
    name: 'papo_redis_errors_total',
    help: 'Redis commands that failed.',
    labelNames: ['script'],
  }),
  slowConsumers: new Counter({
    name: 'papo_slow_consumers_total',
    help: 'Sockets dropped because their send buffer passed MAX_SEND_BUFFER_BYTES.',
  }),
};

/** Label children cached by value: the hot path increments without hashing label objects. */
function childCache(counter: Counter<string>) {
  const children = new Map<string, ReturnType<Counter<string>['labels']>>();
  return (label: string) => {
    let child = children.get(label);
    if (!child) {
      child = counter.labels(label);
      children.set(label, child);
    }
    return child;
  };
}
export const frameOut = childCache(metrics.framesOut);
export const frameIn = childCache(metrics.framesIn);
export const errorOut = childCache(metrics.errors);

/** The `type` of a serialised event (`{"type":"…",`), read without parsing it. */
export function eventTypeOf(json: Buffer | string): string {
  const text = typeof json === 'string' ? json.slice(0, 40) : json.toString('latin1', 0, 40);
  const match = /^\{"type":"([a-z_]+)"/.exec(text);
  return match?.[1] ?? 'other';
}

/** In a worker: this worker's metrics. */
export function workerMetrics(): Promise<string> {
  return register.metrics();
}

export const metricsContentType = register.contentType;

const REQUEST = 'papo:metrics';
const ANSWER = 'papo:metrics:answer';
type MetricsAnswer = { type: typeof ANSWER; id: number; text?: string; error?: string };

/** In a worker: every worker's metrics, aggregated by the primary. */
export function clusterMetrics(timeoutMs = 5000): Promise<string> {
  if (!cluster.isWorker || !process.send) return workerMetrics();
  const id = Math.floor(Math.random() * 2 ** 31);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onAnswer);
      reject(new Error('the primary did not answer with metrics'));
    }, timeoutMs);
    const onAnswer = (message: MetricsAnswer) => {
      if (message?.type !== ANSWER || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onAnswer);
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(message.error ?? 'metrics failed'));
    };
    process.on('message', onAnswer);
    process.send?.({ type: REQUEST, id });
  });
}

/** In the primary: answer workers' requests with the aggregate of all workers. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text }),
      (err: Error) => worker.send({ type: ANSWER, id: message.id, error: err.message }),
    );
  });
}

/** In a worker: answer the primary's aggregation requests (prom-client's own IPC). */
export function joinClusterMetrics(): void {
  new AggregatorRegistry();
}

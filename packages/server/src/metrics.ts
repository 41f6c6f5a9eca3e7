import cluster from 'node:cluster';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, type Metric, register } from 'prom-client';
import type { RedisMemory } from './store/redis-memory.js';

/**
 * Prometheus metrics (prom-client). Each worker keeps its own; `GET /metrics` answers with every worker's
 * summed by the primary (node:cluster IPC), `GET /metrics/worker` with the answering worker's alone. They are
 * served on METRICS_PORT (transport/metrics-http.ts), not to the public.
 */
/**
 * Once, in a worker: the process's own figures (CPU, memory, GC, event-loop lag). The primary's would never be shown
 * (`/metrics` sums the workers'), and its lag monitor would wake it 100 times a second for nothing. The lag
 * keeps prom-client's 10 ms sampling: Node records the time between samples, interval included, so a longer
 * interval would shift every lag quantile by it and break the usual reading of those figures.
 */
export function collectProcessMetrics(): void {
  collectDefaultMetrics({ prefix: 'papo_' });
}

/** Live values the gauges read when scraped (set by the worker at start-up). */
export const gaugeSources = {
  connections: () => 0,
  authenticatedUsers: () => 0,
  subscribedChats: () => 0,
  /** Cached by its reader (store/redis-memory.ts): a scrape does not send INFO every time. */
  redisMemory: async (): Promise<RedisMemory | undefined> => undefined,
  /** Push queue figures, read from Redis (cached by the push worker). */
  push: async (): Promise<PushFigures | undefined> => undefined,
};

/** What /metrics tells of Web Push that lives in Redis (the same for every worker). */
export type PushFigures = { queued: number; retrying: number; subscriptions: number };

// The hot path (a few counts and two latencies per message) keeps its figures in plain numbers, and prom-client
// reads them when scraped: prom-client's own inc() and observe() hash a label object on every call, which
// cost some 10 µs of CPU per message in a profile at 1,000 messages/s (bench/README.md).

/** One label value's count, added to its prom-client counter when scraped. */
class PendingCount {
  n = 0;
  inc(by = 1): void {
    this.n += by;
  }
}

/** A prom-client counter with one label, counted through a cell per label value. */
function countedBy(name: string, help: string, labelName: string): (label: string) => PendingCount {
  const cells = new Map<string, PendingCount>();
  new Counter({
    name,
    help,
    labelNames: [labelName],
    collect() {
      for (const [label, cell] of cells) {
        if (cell.n === 0) continue;
        this.inc({ [labelName]: label }, cell.n);
        cell.n = 0;
      }
    },
  });
  return (label) => {
    let cell = cells.get(label);
    if (!cell) {
      cell = new PendingCount();
      cells.set(label, cell);
    }
    return cell;
  };
}

/** A sample as prom-client's registry formats and aggregates it (its typings say less than it does). */
type Sample = { metricName: string; labels: Record<string, string | number>; value: number };

/** One series of a histogram: a count per bucket (not cumulative), their sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    // Above the last bound: only +Inf (the count) holds it.
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A Prometheus histogram in the registry prom-client exposes and aggregates across workers, observed through
 * a series per label value without hashing labels. What `get()` returns is what prom-client's own Histogram
 * returns: cumulative `_bucket` values with `le`, then `_sum` and `_count`. Series are kept for good (callers
 * hold them, and keep observing after a reset) and a reset zeroes them.
 */
export class LightHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();
  /** The series `observe()` feeds (the hot path's send→ack latency): no lookup per observation. */
  private readonly unlabelled: HistogramSeries | undefined;
  /** prom-client shows an unlabelled histogram's zeros until its first reset, and empty series never. */
  private zerosShown: boolean;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    private readonly labelName?: string,
    registry = register,
  ) {
    // The registry takes any object with prom-client's get()/reset() shape; its type lists only its own classes.
    registry.registerMetric(this as unknown as Metric);
    // As prom-client does, an unlabelled histogram shows its zeros before its first observation.
    this.unlabelled = labelName === undefined ? this.labels() : undefined;
    this.zerosShown = labelName === undefined;
  }

  /** The series of one label value (an unlabelled histogram has one, under ''). */
  labels(value = ''): HistogramSeries {
    let series = this.series.get(value);
    if (!series) {
      series = new HistogramSeries(this.bounds);
      this.series.set(value, series);
    }
    return series;
  }

  observe(value: number): void {
    (this.unlabelled ?? this.labels()).observe(value);
  }

  reset(): void {
    for (const series of this.series.values()) series.reset();
    this.zerosShown = false;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    for (const [label, series] of this.series) {
      if (series.count === 0 && !this.zerosShown) continue;
      const labels: Record<string, string | number> = this.labelName === undefined ? {} : { [this.labelName]: label };
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** A figure of the push queue (Redis-wide: every worker reads the same, so the highest is shown, not the sum). */
function pushGauge(name: string, help: string, figure: keyof PushFigures): Gauge {
  return new Gauge({
    name,
    help,
    aggregator: 'max',
    async collect() {
      const figures = await gaugeSources.push();
      if (figures) this.set(figures[figure]);
    },
  });
}

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
  // Every worker reads the same Redis: the primary shows the highest reading, not their sum.
  redisUsedMemory: new Gauge({
    name: 'papo_redis_used_memory_bytes',
    help: 'Redis used_memory (INFO memory; on a cluster, the fullest master), read at most every 5 s.',
    aggregator: 'max',
    async collect() {
      const memory = await gaugeSources.redisMemory();
      if (memory) this.set(memory.usedBytes);
    },
  }),
  redisMaxmemory: new Gauge({
    name: 'papo_redis_maxmemory_bytes',
    help: 'Redis maxmemory (0: no limit); past it writes fail and clients get internal.',
    aggregator: 'max',
    async collect() {
      const memory = await gaugeSources.redisMemory();
      if (memory) this.set(memory.maxmemoryBytes);
    },
  }),
  sendAck: new LightHistogram(
    'papo_send_ack_seconds',
    'From a send_message frame received to its ack sent.',
    LATENCY_BUCKETS,
  ),
  redisSeconds: new LightHistogram(
    'papo_redis_script_seconds',
    'Redis round trip of each Lua script.',
    LATENCY_BUCKETS,
    'script',
  ),
  redisErrors: new Counter({
    name: 'papo_redis_errors_total',
    help: 'Redis commands that failed.',
    labelNames: ['script'],
  }),
  slowConsumers: new Counter({
    name: 'papo_slow_consumers_total',
    help: 'Sockets dropped because their send buffer passed MAX_SEND_BUFFER_BYTES.',
  }),
  mediaUploads: new Counter({
    name: 'papo_media_uploads_total',
    help: 'Uploads stored, by kind (image, video, audio, file).',
    labelNames: ['kind'],
  }),
  mediaUploadBytes: new Counter({
    name: 'papo_media_upload_bytes_total',
    help: 'Bytes of the uploads stored (an image as re-encoded).',
  }),
  mediaUploadsRefused: new Counter({
    name: 'papo_media_uploads_refused_total',
    help: 'Uploads refused, by reason (too_large, type, rate_limited, incomplete).',
    labelNames: ['reason'],
  }),
  mediaDownloadBytes: new Counter({
    name: 'papo_media_download_bytes_total',
    help: 'Bytes of media (and thumbnails) served.',
  }),
  pushSent: new Counter({
    name: 'papo_push_sent_total',
    help: 'Web Push messages a push service accepted, by type (message, read).',
    labelNames: ['type'],
  }),
  pushFailed: new Counter({
    name: 'papo_push_failed_total',
    help: 'Web Push attempts that failed, by reason: gone (404/410: subscription dropped), refused (another 4xx, or an address that is not public: dropped), rate_limited (429), server_error (5xx), network (retried, the three of them), gave_up (no retry left).',
    labelNames: ['reason'],
  }),
  pushQueued: pushGauge(
    'papo_push_queue_length',
    'Entries of the push queue (new messages and reads) not done yet, taken or not.',
    'queued',
  ),
  pushRetrying: pushGauge('papo_push_retry_queue_length', 'Pushes waiting for another try.', 'retrying'),
  pushSubscriptions: pushGauge(
    'papo_push_subscriptions',
    'Push subscriptions kept (devices), over all users.',
    'subscriptions',
  ),
  mediaDeleted: new Counter({
    name: 'papo_media_deleted_total',
    help: 'Media deleted by the sweep (unsent past 24 h, or no longer referred to).',
  }),
};

export const frameIn = countedBy('papo_frames_in_total', 'Frames received, by action.', 'action');
export const frameOut = countedBy('papo_frames_out_total', 'Frames sent, by event type.', 'type');
export const errorOut = countedBy('papo_errors_total', 'Error frames sent, by code.', 'code');

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

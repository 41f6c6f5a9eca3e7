// A log-scale latency histogram: 1% wide buckets from 1 µs to ~100 s, mergeable across processes, so every
// sample counts without shipping millions of numbers between the generator's processes.
const SCALE = 100; // buckets per e-fold: bucket b holds values near exp(b / SCALE) µs, ±0.5%
const BUCKETS = 1900; // exp(1900 / 100) µs ≈ 178 s

export class Histogram {
  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.n = 0;
    this.max = 0;
    this.sum = 0;
  }

  /** Adds one sample in ms (negative clock noise counts as 0). */
  add(ms) {
    const v = Math.max(0, ms);
    const us = v * 1000;
    const b = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.round(Math.log(us) * SCALE));
    this.counts[b]++;
    this.n++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** Sparse form for IPC. */
  toJSON() {
    const buckets = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b] > 0) buckets.push(b, this.counts[b]);
    return { buckets, n: this.n, max: this.max, sum: this.sum };
  }

  static from(json) {
    const h = new Histogram();
    h.merge(json);
    return h;
  }

  merge(other) {
    const json = other instanceof Histogram ? other.toJSON() : other;
    for (let i = 0; i < json.buckets.length; i += 2) this.counts[json.buckets[i]] += json.buckets[i + 1];
    this.n += json.n;
    this.sum += json.sum;
    if (json.max > this.max) this.max = json.max;
    return this;
  }

  /** The p-th percentile (0..100) in ms; null without samples. */
  percentile(p) {
    if (this.n === 0) return null;
    const rank = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(this.max, Math.exp(b / SCALE) / 1000);
    }
    return this.max;
  }

  summary() {
    if (this.n === 0) return { n: 0, p50: null, p90: null, p99: null, max: null, mean: null };
    return {
      n: this.n,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.max,
      mean: this.sum / this.n,
    };
  }
}

import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LightHistogram } from '../src/metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
// On a bound, below the first, between, above the last, and a repeat.
const OBSERVED = [0.001, 0.0002, 0.05, 0.05, 0.3, 7];

/** The same histogram twice: prom-client's own and ours, each in a registry of its own. */
function pair(labelName?: string) {
  const theirs = new Registry();
  const ours = new Registry();
  const promClient = new Histogram({
    name: 'h_seconds',
    help: 'A latency.',
    buckets: BUCKETS,
    labelNames: labelName ? [labelName] : [],
    registers: [theirs],
  });
  const light = new LightHistogram('h_seconds', 'A latency.', BUCKETS, labelName, ours);
  return { theirs, ours, promClient, light };
}

describe('LightHistogram', () => {
  it('exposes exactly what prom-client’s Histogram exposes for the same observations (unlabelled)', async () => {
    const { theirs, ours, promClient, light } = pair();
    expect(await ours.metrics()).toBe(await theirs.metrics()); // zeros before the first observation
    for (const value of OBSERVED) {
      promClient.observe(value);
      light.observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('h_seconds_bucket{le="0.1"} 4');
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('keeps a series per label value, formatted and summed across workers as prom-client’s are', async () => {
    const workers = [pair('script'), pair('script')];
    workers.forEach(({ promClient, light }, w) => {
      OBSERVED.forEach((value, i) => {
        const label = i % 2 === w ? 'send' : 'join';
        promClient.labels(label).observe(value);
        light.labels(label).observe(value);
      });
    });
    for (const { theirs, ours } of workers) expect(await ours.metrics()).toBe(await theirs.metrics());

    // The primary's aggregation (AggregatorRegistry) of each kind's per-worker JSON.
    const aggregate = async (pick: (w: (typeof workers)[number]) => Registry) =>
      AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => pick(w).getMetricsAsJSON()))).metrics();
    const summed = await aggregate((w) => w.ours);
    expect(summed).toBe(await aggregate((w) => w.theirs));
    expect(summed).toContain('h_seconds_count{script="send"} 6');
    expect(summed).toContain('h_seconds_bucket{le="+Inf",script="join"} 6');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicChat, joinChat, sendText } from './helpers/chat-actions.js';
import { api } from './helpers/http.js';
import { redisClient } from './helpers/redis.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { users } from './helpers/session.js';
import { usersAcrossWorkers } from './helpers/workers.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ workers: 2 });
});

/** `name{labels} value` lines of a Prometheus text exposition, as a map (from the metrics port by default). */
async function scrape(path: string, base = server.metricsUrl, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('GET /metrics (Prometheus) on METRICS_PORT', () => {
  it('sums every worker: connections, frames in and out by type, errors by code, latencies', async () => {
    const before = await scrape('/metrics');
    const [ana, bia] = await usersAcrossWorkers(server, 2);
    expect(ana!.pid).not.toBe(bia!.pid);
    const chatId = await createPublicChat(ana!.client);
    await joinChat(bia!.client, chatId);
    for (let i = 0; i < 3; i++) await sendText(ana!.client, chatId, `m${i}`);
    await bia!.client.collect('message_created', 3, (e) => e.chat_id === chatId);
    ana!.client.sendRaw('not json');
    await ana!.client.next('error');

    const after = await scrape('/metrics');
    const grew = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(after.get('papo_connections')).toBeGreaterThanOrEqual(2);
    expect(grew('papo_frames_in_total{action="send_message"}')).toBe(3);
    expect(grew('papo_frames_out_total{type="ack"}')).toBe(3);
    // Delivered to both members, on two workers: 6 message_created in all.
    expect(grew('papo_frames_out_total{type="message_created"}')).toBe(6);
    expect(grew('papo_errors_total{code="bad_json"}')).toBe(1);
    expect(grew('papo_send_ack_seconds_count')).toBe(3);
    // One script per send: send-message-counted on a single Redis (send-message after count on a cluster).
    const sendScripts = ['send-message-counted', 'send-message'];
    expect(sendScripts.reduce((n, script) => n + grew(`papo_redis_script_seconds_count{script="${script}"}`), 0)).toBe(
      3,
    );
    expect(after.has('papo_nodejs_eventloop_lag_seconds')).toBe(true);
    // Redis's memory, read by each worker and shown once (the highest reading), not summed over workers.
    const info = await redisInfoMemory();
    expect(after.get('papo_redis_maxmemory_bytes')).toBe(info.maxmemory);
    expect(after.get('papo_redis_used_memory_bytes')).toBeGreaterThan(0);
    expect(after.get('papo_redis_used_memory_bytes')).toBeLessThan(info.used * 1.5);
  });

  it('/metrics/worker answers with the answering worker’s own figures', async () => {
    await users(server, 1);
    const own = await scrape('/metrics/worker');
    expect(own.has('papo_connections')).toBe(true);
    expect(own.has('papo_process_resident_memory_bytes')).toBe(true);
  });
});

describe('metrics off the public port', () => {
  it('the main port answers 404 for /metrics and /metrics/worker when METRICS_TOKEN is unset', async () => {
    for (const path of ['/metrics', '/metrics/worker']) {
      expect((await api(server.url, path)).status).toBe(404);
      expect((await api(server.url, path, { headers: { accept: 'text/html' } })).status).toBe(404);
      expect((await api(server.url, path, { token: 'anything' })).status).toBe(404);
    }
  });

  it('with METRICS_TOKEN: served on the main port to the right Bearer token only, and still on loopback', async () => {
    const token = 'scrape-secret-7f3a9c';
    const guarded = await startServer({ env: { METRICS_TOKEN: token } });
    for (const path of ['/metrics', '/metrics/worker']) {
      expect((await api(guarded.url, path)).status).toBe(404);
      expect((await api(guarded.url, path, { token: 'wrong' })).status).toBe(404);
      expect((await api(guarded.url, path, { token: `${token}x` })).status).toBe(404);
      expect((await api(guarded.url, path, { headers: { authorization: token } })).status).toBe(404);
      const served = await scrape(path, guarded.url, { authorization: `Bearer ${token}` });
      expect(served.has('papo_connections')).toBe(true);
    }
    expect((await scrape('/metrics', guarded.metricsUrl)).has('papo_connections')).toBe(true);
    await guarded.stop();
  });

  it('METRICS_PORT=0 turns the listener off; a taken port is a warning and the server serves on', async () => {
    const off = await startServer({ env: { METRICS_PORT: '0' } });
    expect((await api(off.url, '/healthz')).status).toBe(200);
    expect(off.logs().some((l) => l.msg === 'metrics listening')).toBe(false);
    await off.stop();

    // The first server's metrics port, taken.
    const taken = new URL(server.metricsUrl).port;
    const second = await startServer({ env: { METRICS_PORT: taken } });
    await second.waitForLog((l) => l.level === 40 && String(l.msg).startsWith('metrics port not available'));
    expect((await api(second.url, '/healthz')).status).toBe(200);
    await second.stop();
  });
});

/** used_memory and maxmemory of the run's Redis (or, in the cluster project, skip the comparison's precision). */
async function redisInfoMemory(): Promise<{ used: number; maxmemory: number }> {
  const redis = redisClient();
  const info = String(await redis.info('memory'));
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), maxmemory: field('maxmemory') };
}

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { upload } from './helpers/media.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { users } from './helpers/session.js';

// Uploads under load and abuse (contract section 12, issue 20): memory stays flat whatever the size, a slow
// but steady upload may take longer than an ordinary request, and uploads are limited per user.

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ env: { HTTP_REQUEST_TIMEOUT_MS: '1000', MEDIA_UPLOADS_PER_HOUR: '30' } });
});

/** The resident memory of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** A body sent in `chunks` pieces, one every `everyMs`. */
function trickle(chunk: Uint8Array, chunks: number, everyMs: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent === chunks) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      controller.enqueue(chunk);
      sent++;
    },
  });
}

async function post(token: string, body: ReadableStream<Uint8Array>, name = 'slow.bin') {
  const res = await fetch(`${server.url}/api/media?name=${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

describe('uploads under load', () => {
  it('ten 50 MiB files at once: the worker’s memory grows by far less than their size', async () => {
    // A server of its own with the usual timeouts: this file's 1 s HTTP_REQUEST_TIMEOUT_MS (for the slow bodies
    // below) is also its headers' timeout, which ten big uploads on a busy machine may overrun.
    const roomy = await startServer();
    const sessions = await users(roomy, 5);
    const [pid] = roomy.liveWorkerPids();
    const file = randomBytes(50 * 1024 * 1024);
    const before = rssOf(pid!);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid!));
    }, 20);
    // Two at a time per user (the per-user cap), five users.
    const replies = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        upload(roomy.url, sessions[i % 5]!.token, file, 'application/octet-stream', `f${i}.bin`),
      ),
    );
    clearInterval(sampler);
    // A failed request says why (its error), not only that it failed.
    expect(replies.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(
      Array(10).fill(201),
    );
    // /metrics counts them.
    const metrics = await (await fetch(`${roomy.metricsUrl}/metrics`)).text();
    expect(Number(/papo_media_uploads_total\{kind="file"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(10);
    expect(Number(/papo_media_upload_bytes_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(10 * file.length);
    const grewMiB = (peak - before) / 1024 / 1024;
    console.log(
      `worker RSS: ${(before / 1048576).toFixed(0)} MiB before, peak ${(peak / 1048576).toFixed(0)} MiB during 10 × 50 MiB uploads (+${grewMiB.toFixed(1)} MiB for 500 MiB uploaded)`,
    );
    expect(grewMiB).toBeLessThan(150);
  }, 120_000);

  it('a slow but steady upload may take longer than HTTP_REQUEST_TIMEOUT_MS; other slow bodies may not', async () => {
    const [alice] = await users(server, 1);
    // 64 KiB every 200 ms for 2.4 s: past the 1 s every other request gets.
    const reply = await post(alice!.token, trickle(new Uint8Array(64 * 1024), 12, 200));
    expect(reply.status).toBe(201);
    expect(reply.body.size).toBe(12 * 64 * 1024);
  });

  it('a user has two uploads under way at most, and MEDIA_UPLOADS_PER_HOUR', async () => {
    const [alice] = await users(server, 1);
    const slow = () => post(alice!.token, trickle(new Uint8Array(1024), 8, 150));
    const third = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
      upload(server.url, alice!.token, Buffer.from('x'), 'text/plain', 'third.txt'),
    );
    const [one, two, refused] = await Promise.all([slow(), slow(), third]);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited', retry_after: 1 });
    // 30 an hour (this server's setting): two made, the 28 left go, then 429 with the time to wait.
    const statuses: number[] = [];
    for (let i = 0; i < 29; i++) {
      statuses.push((await upload(server.url, alice!.token, Buffer.from(`n${i}`), 'text/plain', 'n.txt')).status);
    }
    expect(statuses.slice(0, 28)).toEqual(Array(28).fill(201));
    const over = await upload(server.url, alice!.token, Buffer.from('one more'), 'text/plain', 'n.txt');
    expect(over.status).toBe(429);
    expect(over.body.retry_after).toBeGreaterThan(0);
    const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/papo_media_uploads_refused_total\{reason="rate_limited"\} [1-9]/);
  });
});

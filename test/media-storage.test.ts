import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../packages/server/src/config.js';
import { createMediaStorage } from '../packages/server/src/media/create-storage.js';
import { createLocalStorage } from '../packages/server/src/media/local-storage.js';
import { createS3Storage, ensureBucket } from '../packages/server/src/media/s3-storage.js';
import { MediaNotFound, type MediaStorage } from '../packages/server/src/media/storage.js';
import { startS3Server } from './helpers/s3-server.js';
import { onTeardown } from './helpers/teardown.js';

/**
 * The media storage drivers (contract section 12) against one suite: the local folder and S3 (a real s3rver,
 * in a child process). Both must behave alike, since the routes above them do not know which one they have.
 */

const MiB = 1024 * 1024;

// S3 first: its 50 MiB put is the one whose memory is worth measuring (the local driver renames the file), and
// memory this process freed earlier is reused without RSS growing: after the local driver's 50 MiB read back,
// even holding the whole file in chunks showed as little as 12 MiB of growth.
const drivers: Array<{ name: string; start: () => Promise<MediaStorage> }> = [
  {
    name: 's3',
    async start() {
      const s3 = await startS3Server();
      onTeardown(() => s3.stop());
      return createS3Storage(s3.config);
    },
  },
  {
    name: 'local',
    async start() {
      const root = await mkdtemp(join(tmpdir(), 'papo-media-local-'));
      onTeardown(() => rm(root, { recursive: true, force: true }));
      return createLocalStorage(root);
    },
  },
];

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every byte value, then random ones: what a text-minded path would mangle. */
function binaryContent(size: number): Buffer {
  const bytes = randomBytes(size);
  for (let i = 0; i < Math.min(256, size); i++) bytes[i] = i;
  return bytes;
}

describe.each(drivers)('media storage: $name', ({ start }) => {
  let storage: MediaStorage;
  let scratch: string;
  /** A fresh key per test: both drivers' stores live for the whole file. */
  const newKey = (suffix = '') => `m_${randomBytes(8).toString('hex')}${suffix}`;

  beforeAll(async () => {
    storage = await start();
    onTeardown(() => storage.close());
    scratch = await mkdtemp(join(tmpdir(), 'papo-media-scratch-'));
    onTeardown(() => rm(scratch, { recursive: true, force: true }));
  });

  /** A temporary file as the upload route leaves one (the local driver moves it, so one per put). */
  async function fileWith(content: Buffer): Promise<string> {
    const path = join(scratch, randomBytes(8).toString('hex'));
    await writeFile(path, content);
    return path;
  }

  async function putBytes(key: string, content: Buffer, mime = 'application/octet-stream') {
    await storage.put(key, await fileWith(content), content.length, mime);
  }

  it('gives back a stored file whole and by ranges', async () => {
    const key = newKey();
    const content = binaryContent(1000);
    await putBytes(key, content, 'image/png');

    expect(await readAll(await storage.get(key))).toEqual(content);
    // s3rver answers `bytes=0-0` with the whole object: the S3 driver cuts it to the byte asked.
    expect(await readAll(await storage.get(key, { start: 0, end: 0 }))).toEqual(content.subarray(0, 1));
    expect(await readAll(await storage.get(key, { start: 100, end: 499 }))).toEqual(content.subarray(100, 500));
    expect(await readAll(await storage.get(key, { start: 999, end: 999 }))).toEqual(content.subarray(999));
    expect(await readAll(await storage.get(key, { start: 0, end: 999 }))).toEqual(content);
  });

  it('keeps binary content byte for byte (a thumbnail key too)', async () => {
    const key = newKey('.thumb');
    const content = binaryContent(MiB + 7);
    await putBytes(key, content, 'image/webp');
    const back = await readAll(await storage.get(key));
    expect(back.length).toBe(content.length);
    expect(back.equals(content)).toBe(true);
  });

  it('rejects a missing key with MediaNotFound', async () => {
    await expect(storage.get(newKey())).rejects.toBeInstanceOf(MediaNotFound);
    await expect(storage.get(newKey(), { start: 0, end: 9 })).rejects.toBeInstanceOf(MediaNotFound);
  });

  it('deletes: the key is gone, and deleting again (or a key never stored) is no error', async () => {
    const key = newKey();
    await putBytes(key, Buffer.from('bytes to delete'));
    await storage.delete(key);
    await expect(storage.get(key)).rejects.toBeInstanceOf(MediaNotFound);
    await storage.delete(key);
    await storage.delete(newKey());
  });

  it('rejects a put whose file is not there, and stores nothing', async () => {
    const key = newKey();
    await expect(storage.put(key, join(scratch, 'never-written'), 10, 'text/plain')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(storage.get(key)).rejects.toBeInstanceOf(MediaNotFound);
  });

  it('lists keys under a prefix written before a time, up to a limit', async () => {
    const prefix = `m_list${randomBytes(4).toString('hex')}`;
    const olderKeys = [`${prefix}a`, `${prefix}b`, `${prefix}c.thumb`];
    for (const key of olderKeys) await putBytes(key, Buffer.from(key));
    const otherPrefix = newKey();
    await putBytes(otherPrefix, Buffer.from('not under the prefix'));
    // S3 times are whole seconds (truncated): over a second on each side of the cut keeps them apart.
    await sleep(1100);
    const cut = Date.now();
    await sleep(1100);
    const newerKeys = [`${prefix}d`, `${prefix}e`];
    for (const key of newerKeys) await putBytes(key, Buffer.from(key));

    expect((await storage.listOlderThan(prefix, cut, 100)).sort()).toEqual(olderKeys);
    const limited = await storage.listOlderThan(prefix, cut, 2);
    expect(limited).toHaveLength(2);
    for (const key of limited) expect(olderKeys).toContain(key);
    expect((await storage.listOlderThan(prefix, Date.now() + 1000, 100)).sort()).toEqual(
      [...olderKeys, ...newerKeys].sort(),
    );
    expect(await storage.listOlderThan(`${prefix}zz`, Date.now() + 1000, 100)).toEqual([]);
  });

  it('puts a 50 MiB file from disk without holding it in memory', async () => {
    const key = newKey();
    const size = 50 * MiB;
    // Made by another process and copied by the kernel, so this one allocates nothing before measuring
    // (memory it had freed would be reused without RSS growing, and hide a buffering put).
    const path = join(scratch, 'large');
    const kept = join(scratch, 'large-kept'); // the local driver moves `path` away
    await new Promise<void>((resolve, reject) => {
      const child = spawn('sh', ['-c', `head -c ${size} /dev/urandom > "$0"`, path], { stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`head exited ${code}`))));
    });
    await copyFile(path, kept);

    const peakGrowth = async (work: () => Promise<void>) => {
      const before = process.memoryUsage.rss();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
      }, 5);
      try {
        await work();
      } finally {
        clearInterval(sampler);
      }
      return Math.max(peak, process.memoryUsage.rss()) - before;
    };
    const sha256Of = async (stream: Readable) => {
      const hash = createHash('sha256');
      let length = 0;
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      return { length, digest: hash.digest('hex') };
    };

    const putGrowth = await peakGrowth(() => storage.put(key, path, size, 'video/mp4'));
    let readBack = { length: 0, digest: '' };
    const getGrowth = await peakGrowth(async () => {
      readBack = await sha256Of(await storage.get(key));
    });
    console.log(
      `media storage ${storage.driver}: 50 MiB put grew RSS by ${(putGrowth / MiB).toFixed(1)} MiB, ` +
        `streamed get by ${(getGrowth / MiB).toFixed(1)} MiB`,
    );
    expect(readBack).toEqual(await sha256Of(createReadStream(kept)));
    expect(readBack.length).toBe(size);
    // Streaming any file through this process costs about 34 MiB of read chunks not yet collected (V8 collects
    // Buffers by their external-memory total), measured alike for a plain hash of the file and for puts of 50, 100
    // and 200 MiB; a put that held the file would cost its 50 MiB and more.
    expect(putGrowth).toBeLessThan(45 * MiB);
  });
});

describe('S3 bucket check and driver choice', () => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;

  beforeAll(async () => {
    s3 = await startS3Server();
    onTeardown(() => s3.stop());
  });

  it('ensureBucket passes for the bucket, and names bucket and endpoint when missing, refused or unreachable', async () => {
    await ensureBucket(s3.config);
    await expect(ensureBucket({ ...s3.config, bucket: 'no-such-bucket' })).rejects.toThrow(
      `S3 bucket "no-such-bucket" at ${s3.endpoint} does not exist`,
    );
    // s3rver checks the key id but not a SigV4 signature (so not the secret): an unknown id is refused.
    await expect(ensureBucket({ ...s3.config, accessKeyId: 'NOT-A-KEY' })).rejects.toThrow(
      `S3 bucket "${s3.bucket}" at ${s3.endpoint} refused S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY`,
    );
    const closed = await startS3Server();
    await closed.stop();
    await expect(ensureBucket(closed.config)).rejects.toThrow(
      `S3 bucket "${closed.bucket}" at ${closed.endpoint} cannot be reached`,
    );
  });

  it('createMediaStorage picks S3 when S3_BUCKET is set, else the local folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'papo-media-choice-'));
    onTeardown(() => rm(root, { recursive: true, force: true }));
    const onS3 = await createMediaStorage({ mediaDir: root, s3: s3.config } as Config);
    const local = await createMediaStorage({ mediaDir: root, s3: undefined } as Config);
    onTeardown(() => onS3.close());
    expect(onS3.driver).toBe('s3');
    expect(local.driver).toBe('local');
  });
});

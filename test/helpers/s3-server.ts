import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Config } from '../../packages/server/src/config.js';

/**
 * A real `s3rver` (an S3-compatible store on disk) as a child process, on a free loopback port, in a fresh
 * temporary dir, with one bucket made at start. A child rather than in this process: s3rver's logger takes over
 * uncaught exceptions, and a test measuring this process's memory must not count the store's buffers.
 * It accepts only its default credentials, `S3RVER` / `S3RVER`.
 */
export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** s3rver's data dir (removed by `stop()`). */
  readonly dir: string;
  /** The S3_* variables for a server process using this store. */
  readonly env: Record<string, string>;
  /** The same, as the server's config reads them. */
  readonly config: S3Config;
  /** Stops it and removes its dir. */
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  /** Default: `papo-media`. */
  bucket?: string;
  readyTimeoutMs?: number;
}

const S3RVER_BIN = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const bucket = options.bucket ?? 'papo-media';
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const dir = await mkdtemp(join(tmpdir(), 'papo-s3rver-'));
  // Port 0: the OS picks a free one, which s3rver prints once it listens.
  // biome-ignore format: flag/value pairs read best side by side
  const args = [
    S3RVER_BIN,
    '--directory', dir,
    '--address', '127.0.0.1',
    '--port', '0',
    '--silent',
    '--configure-bucket', bucket,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`s3rver: not listening after ${readyTimeoutMs} ms:\n${log}`)),
        readyTimeoutMs,
      );
      const onOutput = (chunk: Buffer) => {
        log += chunk.toString('utf8');
        const listening = /S3rver listening on [^\s:]+:(\d+)/.exec(log);
        if (listening) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      };
      child.stdout?.on('data', onOutput);
      child.stderr?.on('data', onOutput);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited (${signal ?? code}) before listening:\n${log}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL'); // a start that failed leaves no process behind
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const accessKeyId = 'S3RVER';
  const secretAccessKey = 'S3RVER';
  return {
    endpoint,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    dir,
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: region,
      S3_ACCESS_KEY_ID: accessKeyId,
      S3_SECRET_ACCESS_KEY: secretAccessKey,
      S3_FORCE_PATH_STYLE: '1',
    },
    config: { endpoint, bucket, region, accessKeyId, secretAccessKey, forcePathStyle: true },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

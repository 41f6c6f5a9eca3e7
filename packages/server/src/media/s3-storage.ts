import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../config.js';
import { type ByteRange, MediaNotFound, type MediaStorage } from './storage.js';

/** The server's own keys (`m_…`, `m_….thumb`): checked so a bug can never address another object. */
const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

function checkKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new Error(`bad media key ${key}`);
  return key;
}

function s3Client(config: S3Config): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    // Unset: the SDK's own chain (environment, instance role, …), as on AWS.
    credentials:
      config.accessKeyId && config.secretAccessKey
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
        : undefined,
    // Recent SDKs add CRC checksums to every upload and check them on download; many S3-compatible stores
    // (s3rver, older MinIO, …) refuse or lack them. Only operations that require one get one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Where the store is, for error messages: the endpoint, or AWS's own for the region. */
function describeStore(config: S3Config): string {
  return `bucket "${config.bucket}" at ${config.endpoint ?? `AWS S3 (${config.region})`}`;
}

/** What the SDK puts on a failed call (the HTTP status, when there was an answer). */
function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** `length` bytes of `source` after its first `skip`; the rest is not read (`source` is destroyed). */
async function* sliceOf(source: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let toSkip = skip;
  let left = length;
  try {
    for await (const chunk of source) {
      let part = chunk as Buffer;
      if (toSkip > 0) {
        const skipped = Math.min(toSkip, part.length);
        part = part.subarray(skipped);
        toSkip -= skipped;
      }
      if (part.length === 0) continue;
      if (part.length >= left) {
        yield part.subarray(0, left);
        return;
      }
      left -= part.length;
      yield part;
    }
    throw new Error(`the store's answer ended ${left} bytes short of the range asked`);
  } finally {
    source.destroy();
  }
}

/**
 * Checks that the bucket exists and these credentials reach it, and throws an error naming the bucket and the
 * endpoint when not. Meant to be called once when the server starts (before it says it is ready), so a wrong
 * setting stops the start with a clear message instead of failing each upload. It never creates the bucket:
 * where it lives, who may read it and how long it keeps things are the operator's choices.
 */
export async function ensureBucket(config: S3Config): Promise<void> {
  const client = s3Client(config);
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
  } catch (err) {
    const status = httpStatusOf(err);
    const where = describeStore(config);
    if (status === 404) throw new Error(`S3 ${where} does not exist: create it, or set S3_BUCKET to one that does`);
    if (status === 401 || status === 403) {
      throw new Error(`S3 ${where} refused S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (HTTP ${status})`);
    }
    throw new Error(`S3 ${where} cannot be reached: ${(err as Error).message}`, { cause: err });
  } finally {
    client.destroy();
  }
}

/**
 * Media in an S3-compatible object store (S3_BUCKET set): what several machines share. One object per key, at
 * the bucket's top level. The server calls `ensureBucket` at start; this driver assumes the bucket is there.
 */
export function createS3Storage(config: S3Config): MediaStorage {
  const client = s3Client(config);
  const Bucket = config.bucket;

  return {
    driver: 's3',

    async put(key, file, size, mime) {
      // Streamed from disk with its length known up front: one PutObject, the file never in memory.
      const body = createReadStream(file);
      // The SDK does not listen for the body's errors: unheard, a missing or unreadable file would end the
      // process, and a read failing midway would leave the request waiting for bytes. It is aborted instead.
      const aborter = new AbortController();
      let readError: Error | undefined;
      body.once('error', (err) => {
        readError = err;
        aborter.abort(err);
      });
      try {
        await client.send(
          new PutObjectCommand({ Bucket, Key: checkKey(key), Body: body, ContentLength: size, ContentType: mime }),
          { abortSignal: aborter.signal },
        );
      } catch (err) {
        throw readError ?? err;
      } finally {
        body.destroy(); // a failed request may leave the file open
      }
    },

    async get(key, range?: ByteRange): Promise<Readable> {
      try {
        const answer = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: checkKey(key),
            Range: range ? `bytes=${range.start}-${range.end}` : undefined,
          }),
        );
        // In Node the body is the HTTP response itself (an IncomingMessage): a Readable, not yet read.
        if (!answer.Body) throw new Error(`S3 ${describeStore(config)}: no body for ${key}`);
        const body = answer.Body as Readable;
        if (!range) return body;
        // Some stores answer a range with more than was asked: s3rver sends the whole object for `bytes=0-0`
        // (it reads an end of 0 as none), and a few minimal ones ignore Range altogether (a 200 from byte 0).
        const servedFrom = Number(/^bytes (\d+)-/.exec(answer.ContentRange ?? '')?.[1] ?? 0);
        const wanted = range.end - range.start + 1;
        if (servedFrom === range.start && answer.ContentLength === wanted) return body;
        if (servedFrom > range.start) {
          body.destroy();
          throw new Error(`S3 ${describeStore(config)}: asked ${key} from byte ${range.start}, got ${servedFrom}`);
        }
        return Readable.from(sliceOf(body, range.start - servedFrom, wanted));
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey' || httpStatusOf(err) === 404) throw new MediaNotFound(key);
        throw err;
      }
    },

    async delete(key) {
      // S3 answers 204 for a key that is not there, so a repeated delete is no error.
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: checkKey(key) }));
      } catch (err) {
        if (httpStatusOf(err) !== 404) throw err;
      }
    },

    async listOlderThan(prefix, before, limit) {
      const found: string[] = [];
      let ContinuationToken: string | undefined;
      // Pages of at most 1000; an old key may sit behind many new ones, so it goes on until `limit` or the end.
      while (found.length < limit) {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        for (const object of page.Contents ?? []) {
          if (object.Key && object.LastModified && object.LastModified.getTime() < before) found.push(object.Key);
          if (found.length >= limit) break;
        }
        if (!page.IsTruncated || !page.NextContinuationToken) break;
        ContinuationToken = page.NextContinuationToken;
      }
      return found;
    },

    async close() {
      client.destroy();
    },
  };
}

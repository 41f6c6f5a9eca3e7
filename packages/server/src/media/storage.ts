import type { Readable } from 'node:stream';

/** Bytes `start` to `end`, both included (an HTTP Range, already checked against the object's size). */
export type ByteRange = { start: number; end: number };

/**
 * Where media bytes live (contract section 12): one small interface, two drivers — a local folder
 * (local-storage.ts, the default) and any S3-compatible object store (s3-storage.ts). Keys are the server's
 * own (`m_…` ids and their thumbnails), never a client's name. Everything else about media (who may get it,
 * when it goes) is in Redis; a driver only keeps bytes.
 */
export interface MediaStorage {
  /** `local` or `s3`: recorded with each upload, and shown in the start banner. */
  readonly driver: 'local' | 's3';
  /**
   * Stores the finished file at `file` (a temporary file of the server's, which the caller deletes afterwards;
   * the local driver may move it instead) under `key`. Resolves once the bytes are durable in the store.
   */
  put(key: string, file: string, size: number, mime: string): Promise<void>;
  /** The bytes of `key` (all, or `range`); rejects with MediaNotFound when there is no such object. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Deletes `key`; no error when it is not there (a delete may be repeated). */
  delete(key: string): Promise<void>;
  /** Keys under `prefix` last written before `before` (ms): for sweeping bytes Redis no longer knows. */
  listOlderThan(prefix: string, before: number, limit: number): Promise<string[]>;
  /** Releases connections (S3); the local driver has none. */
  close(): Promise<void>;
}

/** The store has no object under that key. */
export class MediaNotFound extends Error {
  constructor(key: string) {
    super(`no media object ${key}`);
    this.name = 'MediaNotFound';
  }
}

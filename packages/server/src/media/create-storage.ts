import type { Config } from '../config.js';
import { createLocalStorage } from './local-storage.js';
import type { MediaStorage } from './storage.js';

/**
 * S3 when S3_BUCKET is set, its bucket checked first (a missing bucket or refused keys are said at start, not at
 * the first upload), else the local folder. The S3 client is loaded only then: it weighs some 24 MiB per worker.
 */
export async function createMediaStorage(config: Config): Promise<MediaStorage> {
  if (!config.s3) return createLocalStorage(config.mediaDir);
  const { createS3Storage, ensureBucket } = await import('./s3-storage.js');
  await ensureBucket(config.s3);
  return createS3Storage(config.s3);
}

import type { Config } from '../config.js';
import { createLocalStorage } from './local-storage.js';
import { createS3Storage } from './s3-storage.js';
import type { MediaStorage } from './storage.js';

/** S3 when S3_BUCKET is set (see `ensureBucket`, to be checked at start), else the local folder. */
export function createMediaStorage(config: Config): MediaStorage {
  return config.s3 ? createS3Storage(config.s3) : createLocalStorage(config.mediaDir);
}

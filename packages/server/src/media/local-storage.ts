import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { type ByteRange, MediaNotFound, type MediaStorage } from './storage.js';

/**
 * Media in a local folder (`DATA_DIR/media`, the default: nothing to set up). Objects are spread over
 * 256 sub-folders by a hash-like pair of their key's last characters, so no folder grows past a few thousand
 * entries. Several machines need this folder shared (NFS and the like) or the S3 driver; several workers
 * of one machine share it as it is.
 */
export function createLocalStorage(root: string): MediaStorage {
  const pathOf = (key: string) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`bad media key ${key}`);
    return join(root, key.slice(-2).toLowerCase().padStart(2, '_'), key);
  };

  return {
    driver: 'local',

    async put(key, file) {
      const target = pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      // The temporary file is on the same disk when it was made under this root: a rename, no copy.
      try {
        await rename(file, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        await copyFile(file, target);
      }
      // Durable before the upload is answered, as an acknowledged message is.
      const handle = await open(target, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },

    async get(key, range?: ByteRange): Promise<Readable> {
      const path = pathOf(key);
      // Opened first, so a missing object rejects here rather than erroring the stream mid-response.
      const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new MediaNotFound(key) : err;
      });
      return createReadStream('', { fd: handle, start: range?.start, end: range?.end });
    },

    async delete(key) {
      await unlink(pathOf(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    },

    async listOlderThan(prefix, before, limit) {
      const found: string[] = [];
      const folders = await readdir(root).catch(() => [] as string[]);
      for (const folder of folders) {
        if (folder === 'tmp' || folder.length !== 2) continue;
        for (const name of await readdir(join(root, folder)).catch(() => [] as string[])) {
          if (!name.startsWith(prefix)) continue;
          const info = await stat(join(root, folder, name)).catch(() => undefined);
          if (info && info.mtimeMs < before) found.push(relative(join(root, folder), join(root, folder, name)));
          if (found.length >= limit) return found;
        }
      }
      return found.filter((key) => !key.includes(sep));
    },

    async close() {},
  };
}

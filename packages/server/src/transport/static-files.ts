import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Vite names what it puts in assets/ by content hash: such a file never changes, so browsers may keep it. */
const HASHED_DIR = `assets${sep}`;

/**
 * The built web client (packages/web/dist, or WEB_DIR) at `/`, when it has been built; its directory, or
 * undefined.
 *
 * The build writes `.br` and `.gz` siblings of every text file (packages/web/vite.config.ts); @fastify/static's
 * `preCompressed` picks one by `Accept-Encoding` (br first, then gzip, a `q=0` honoured, the file as it is when
 * neither is asked for or there is no sibling) and sends it with `Content-Encoding`, the original's
 * `Content-Type` and the variant's own `Content-Length` and ETag (size and mtime: one per encoding). Every
 * answer says `Vary: Accept-Encoding`, so a shared cache never hands a variant to a client that did not ask.
 * Hashed files are cached for a year, immutable; index.html and the other unhashed files are revalidated on
 * every use (`no-cache`, a 304 when unchanged), so a new deploy shows at once: /sw.js among them, since a new
 * service worker is how an installed app learns of a new version.
 */
export function serveWebClient(app: FastifyInstance, configured: string | undefined): string | undefined {
  const dir = resolve(configured ?? fileURLToPath(new URL('../../../web/dist/', import.meta.url)));
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  app.register(fastifyStatic, {
    root: dir,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (res, path) => {
      // Relative to the root: a WEB_DIR that is itself under some …/assets/ does not make index.html immutable.
      const hashed = relative(dir, path).startsWith(HASHED_DIR);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('vary', 'Accept-Encoding');
    },
  });
  return dir;
}

import { createWriteStream } from 'node:fs';
import { mkdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MediaId, MediaLinksBody, MediaUploadQuery } from '@papo/protocol';
import { Type } from '@sinclair/typebox';
import contentDisposition from 'content-disposition';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import type { Config } from '../config.js';
import { cleanFileName } from '../display-text.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { inspectUpload } from '../media/inspect.js';
import { MediaNotFound, type MediaStorage } from '../media/storage.js';
import { metrics } from '../metrics.js';
import { type MediaRecord, type MediaStore, mediaInfo, newMediaId, thumbnailKey } from '../store/media.js';
import type { UserStore } from '../store/users.js';
import { authenticated } from './http-login.js';
import { checker, validate } from './validate.js';

type MediaDeps = { config: Config; log: Logger; users: UserStore; media: MediaStore; storage: MediaStorage };

const MediaIdParam = Type.Object({ media_id: MediaId });
/** An upload slower than this on average after its first 30 s is cut (a trickle holds a socket, not a slot). */
const MIN_UPLOAD_BYTES_PER_S = 4 * 1024;

/**
 * Files served as attachments keep the type read from their bytes, unless a browser could run it as a page
 * (HTML, SVG, XML): those go as application/octet-stream, so a hostile file is never rendered on Papo's origin.
 */
const ACTIVE_TYPES = /^(text\/|image\/svg|application\/(xhtml|xml|javascript|ecmascript)|.*\+xml$)/;

/** Photos, videos, audio and files (contract section 12): upload, download, thumbnails and signed links. */
export function registerMediaRoutes(app: FastifyInstance, deps: MediaDeps): void {
  const { config, log, users, media, storage } = deps;
  const tmpDir = join(config.mediaDir, 'tmp');
  const uploadsByUser = new Map<string, number>();
  let inspecting = 0;
  const waiting: (() => void)[] = [];

  /** At most MEDIA_UPLOADS_IN_FLIGHT uploads decoded at once per worker: sharp takes a core and memory each. */
  async function inspectInTurn<T>(work: () => Promise<T>): Promise<T> {
    if (inspecting >= config.mediaUploadsInFlight) await new Promise<void>((resolve) => waiting.push(resolve));
    inspecting++;
    try {
      return await work();
    } finally {
      inspecting--;
      waiting.shift()?.();
    }
  }

  // The upload route takes its body as a stream, whatever its type: its own scope has one catch-all parser that
  // reads nothing (the handler streams `req.raw` to disk).
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

    scope.post('/api/media', async (req, reply) => {
      const { userId } = await authenticated(req, users);
      const query = validate(MediaUploadQuery, req.query, 'query');
      const asFile = query.name !== undefined;
      const limit = asFile ? config.maxFileBytes : config.maxUploadBytes;
      const declaredLength = Number(req.headers['content-length']);
      // Far too large: said at once, and the connection closed (reading it all would only cost bandwidth).
      if (declaredLength > 2 * limit) return tooLarge(reply, limit, asFile, true);
      // Two uploads at once per user on a worker: a third is refused (429), not queued.
      const running = uploadsByUser.get(userId) ?? 0;
      if (running >= 2) {
        metrics.mediaUploadsRefused.inc({ reason: 'rate_limited' });
        req.raw.resume();
        throw new AppError('rate_limited', 'Two uploads at once at most; try again when one is done.', {
          retry_after: 1,
        });
      }
      uploadsByUser.set(userId, running + 1);
      const mediaId = newMediaId();
      const file = join(tmpDir, mediaId);
      const made = [file, `${file}.clean`, `${file}.thumb`];
      try {
        await media.countUpload(userId).catch((err: unknown) => {
          metrics.mediaUploadsRefused.inc({ reason: 'rate_limited' });
          throw err;
        });
        await mkdir(tmpDir, { recursive: true });
        const size = await receive(req, file, limit);
        if (size === 'too_large' || size === 'cut') return tooLarge(reply, limit, asFile, size === 'cut');
        if (size === 0) throw new AppError('invalid_payload', 'The body is empty: send the file’s bytes.');
        await media.reserve(mediaId);
        const inspected = await inspectInTurn(() => inspectUpload(file, req.headers['content-type'], asFile)).catch(
          (err: unknown) => {
            if (err instanceof AppError) metrics.mediaUploadsRefused.inc({ reason: 'type' });
            throw err;
          },
        );
        const stored = inspected.file === file ? size : (await stat(inspected.file)).size;
        await storage.put(mediaId, inspected.file, stored, inspected.mime);
        if (inspected.thumbnailFile) {
          const thumbSize = (await stat(inspected.thumbnailFile)).size;
          await storage.put(thumbnailKey(mediaId), inspected.thumbnailFile, thumbSize, 'image/jpeg');
        }
        const record: MediaRecord = {
          uploader: userId,
          kind: inspected.kind,
          mime: inspected.mime,
          size: String(stored),
          name: query.name === undefined ? undefined : cleanFileName(query.name),
          width: inspected.width?.toString(),
          height: inspected.height?.toString(),
          duration_ms: inspected.durationMs?.toString(),
          inline: inspected.inlineThumbnail,
          thumb: inspected.thumbnailFile ? '1' : undefined,
          created_at: String(Math.floor(Date.now() / 1000)),
          store: storage.driver,
        };
        await media.record(mediaId, record);
        metrics.mediaUploads.inc({ kind: inspected.kind });
        metrics.mediaUploadBytes.inc(stored);
        const { url } = await media.link(userId, mediaId);
        return reply.code(201).send({ ...mediaInfo(mediaId, record), url });
      } finally {
        const left = (uploadsByUser.get(userId) ?? 1) - 1;
        if (left > 0) uploadsByUser.set(userId, left);
        else uploadsByUser.delete(userId);
        await Promise.all(made.map((path) => unlink(path).catch(() => {})));
      }
    });
  });

  /** Streams the body to `file`, counting; 'too_large' past `limit` (read to its end), 'cut' past twice that. */
  async function receive(req: FastifyRequest, file: string, limit: number): Promise<number | 'too_large' | 'cut'> {
    let size = 0;
    const started = Date.now();
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        // Past the limit the rest is read and dropped, so the client gets its 413 rather than a cut connection;
        // up to twice the limit, then it is cut.
        if (size > 2 * limit) return done(new UploadTooLarge());
        if (size > limit) return done();
        const seconds = (Date.now() - started) / 1000;
        if (seconds > 30 && size / seconds < MIN_UPLOAD_BYTES_PER_S) {
          return done(new AppError('invalid_payload', 'The upload is too slow; try again on a better connection.'));
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(req.raw, counter, createWriteStream(file));
      return size > limit ? 'too_large' : size;
    } catch (err) {
      if (err instanceof UploadTooLarge) return 'cut';
      if (err instanceof AppError) throw err;
      // The client went away mid-upload: nothing is kept.
      metrics.mediaUploadsRefused.inc({ reason: 'incomplete' });
      throw new AppError('invalid_payload', 'The upload did not arrive whole.');
    }
  }

  /** 413; `close`: the body was not read whole (the connection cannot carry another request). */
  function tooLarge(reply: FastifyReply, limit: number, asFile: boolean, close: boolean) {
    metrics.mediaUploadsRefused.inc({ reason: 'too_large' });
    if (close) reply.header('connection', 'close');
    return reply.code(413).send({
      error: 'invalid_payload',
      message: `Too large: ${asFile ? 'files' : 'photos, videos and audio'} may have ${limit} bytes at most.`,
    });
  }

  /** The user asking: by Bearer, or by a signed link; undefined for neither (pictures are served to anyone). */
  async function viewer(req: FastifyRequest, mediaId: string): Promise<string | undefined> {
    const query = req.query as { u?: string; exp?: string; sig?: string };
    if (query.sig !== undefined) {
      const linked = await media.linkUser(mediaId, query);
      if (!linked) throw new AppError('not_found', 'No such media, or the link expired.');
      return linked;
    }
    if (!req.headers.authorization) return undefined;
    return (await authenticated(req, users)).userId;
  }

  async function serve(req: FastifyRequest, reply: FastifyReply, thumbnail: boolean) {
    if (!checker(MediaIdParam).Check(req.params)) throw new AppError('not_found', 'No such media.');
    const { media_id: mediaId } = req.params as { media_id: string };
    const userId = await viewer(req, mediaId);
    if (userId !== undefined) await media.countReads(userId);
    const record = await media.readable(userId, mediaId);
    if (!record) {
      // Not a picture and no credentials: say how to ask, as any other Bearer route does.
      if (userId === undefined)
        throw new AppError('unauthenticated', 'A valid Bearer token or a signed link is required.');
      throw new AppError('not_found', 'No such media.');
    }
    if (thumbnail && record.thumb !== '1') throw new AppError('not_found', 'This media has no thumbnail.');
    const key = thumbnail ? thumbnailKey(mediaId) : mediaId;
    const etag = `"${key}"`;
    if (req.headers['if-none-match'] === etag) return reply.code(304).header('etag', etag).send();
    const asAttachment = !thumbnail && record.kind === 'file';
    const mime = thumbnail
      ? 'image/jpeg'
      : asAttachment && ACTIVE_TYPES.test(record.mime)
        ? 'application/octet-stream'
        : record.mime;
    /** Set only once the bytes are there: an error answer before it stays JSON. */
    const bytesHeaders = {
      etag,
      'cache-control': 'private, max-age=3600',
      'x-content-type-options': 'nosniff',
      // Bytes are never a page: no script, no plugin, whatever they are.
      'content-security-policy': "default-src 'none'; sandbox",
      'accept-ranges': 'bytes',
      'content-type': mime,
      'content-disposition': contentDisposition(record.name ?? (thumbnail ? `${mediaId}.jpg` : mediaId), {
        type: asAttachment ? 'attachment' : 'inline',
      }),
    };

    const size = thumbnail ? undefined : Number(record.size);
    const rangeHeader = req.headers.range;
    try {
      if (rangeHeader && size !== undefined) {
        const ranges = parseRange(size, rangeHeader, { combine: true });
        if (ranges === -1) {
          reply.header('content-range', `bytes */${size}`);
          return reply.code(416).send({ error: 'invalid_payload', message: 'The range is outside the media.' });
        }
        // One range is served as asked; a malformed header or several ranges get the whole (RFC 9110 allows it).
        if (ranges !== -2 && ranges.length === 1 && ranges.type === 'bytes') {
          const [range] = ranges as parseRange.Range[];
          const body = await storage.get(key, range);
          reply.headers(bytesHeaders);
          reply.header('content-range', `bytes ${range!.start}-${range!.end}/${size}`);
          reply.header('content-length', range!.end - range!.start + 1);
          metrics.mediaDownloadBytes.inc(range!.end - range!.start + 1);
          return reply.code(206).send(body);
        }
      }
      const body = await storage.get(key);
      reply.headers(bytesHeaders);
      if (size !== undefined) {
        reply.header('content-length', size);
        metrics.mediaDownloadBytes.inc(size);
      }
      return reply.code(200).send(body);
    } catch (err) {
      if (err instanceof MediaNotFound) {
        log.warn({ media_id: mediaId, key }, 'media record without its bytes');
        throw new AppError('not_found', 'No such media.');
      }
      throw err;
    }
  }

  app.get('/api/media/:media_id', (req, reply) => serve(req, reply, false));
  app.get('/api/media/:media_id/thumbnail', (req, reply) => serve(req, reply, true));

  app.post('/api/media/links', async (req) => {
    const { userId } = await authenticated(req, users);
    const body = validate(MediaLinksBody, req.body, 'body');
    await media.countReads(userId, Math.ceil(body.media_ids.length / 10));
    const links: Record<string, string> = {};
    let expiresAt = 0;
    const readable = await Promise.all(body.media_ids.map((mediaId) => media.readable(userId, mediaId)));
    for (const [i, mediaId] of body.media_ids.entries()) {
      if (!readable[i]) continue;
      const { url, exp } = await media.link(userId, mediaId);
      links[mediaId] = url;
      expiresAt = exp;
    }
    return { links, expires_at: expiresAt || Math.floor(Date.now() / 1000) + 3600 };
  });
}

class UploadTooLarge extends Error {}

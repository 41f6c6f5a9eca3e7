// The `static` target of the media scenario (bench/README.md): what a plain Node server does with the same
// bytes, as a developer would write it. Downloads: `@fastify/static` serving a folder (Range, ETag and all, by
// `send`). Uploads: the request body streamed to a file with `pipeline(req.raw, createWriteStream(...))`, nothing
// else (no type sniffing, no image re-encoding, no fsync, no store): the ceiling for a streamed upload here.
//
// Same routes as Papo's so the same client drives both: `POST /api/media[?name=x]` → 201 `{ media_id }`,
// `GET /api/media/:id` → the bytes. The Bearer token is not checked. STATIC_DIR (required) holds the files.
//
// Reads of 64 KiB (STATIC_READ_KIB), as Papo's (`fs.createReadStream`'s default): as shipped, @fastify/static
// gives @fastify/send no highWaterMark, send passes `null` to createReadStream, and a stream with a null
// highWaterMark reads 16 KiB at a time (Node 20), which costs ≈ 30% more CPU per MiB served here (bench/README.md,
// "The media scenario"). STATIC_READ_KIB=0 serves as shipped.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

const PORT = Number(process.env.PORT ?? 3000);
const DIR = process.env.STATIC_DIR;
const READ_KIB = Number(process.env.STATIC_READ_KIB ?? 64);
if (!DIR) throw new Error('STATIC_DIR is required');
mkdirSync(DIR, { recursive: true });

const app = Fastify({ logger: false });
// Every upload's body is the handler's to stream: no parser reads it.
app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
// @fastify/static's own route, unless a read size is set: then the same through its reply.sendFile, which passes
// options on to send.
await app.register(fastifyStatic, { root: DIR, prefix: '/api/media/', serve: READ_KIB === 0 });
if (READ_KIB > 0) {
  app.get('/api/media/:id', (req, reply) => reply.sendFile(req.params.id, { highWaterMark: READ_KIB * 1024 }));
}

app.post('/api/media', async (req, reply) => {
  const id = `m_${randomBytes(16).toString('base64url')}`;
  await pipeline(req.raw, createWriteStream(join(DIR, id)));
  return reply.code(201).send({ media_id: id });
});

await app.listen({ port: PORT, host: '127.0.0.1' });
console.log(JSON.stringify({ msg: 'ready', port: PORT, workers: [] }));

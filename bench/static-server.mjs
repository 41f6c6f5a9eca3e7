// The `static` target of the media scenario (bench/README.md): what a plain Node server does with the same
// bytes, as a developer would write it. Downloads: `@fastify/static` serving a folder (Range, ETag and all, by
// `send`). Uploads: the request body streamed to a file with `pipeline(req.raw, createWriteStream(...))`, nothing
// else (no type sniffing, no image re-encoding, no fsync, no store): the ceiling for a streamed upload here.
//
// Same routes as Papo's so the same client drives both: `POST /api/media[?name=x]` → 201 `{ media_id }`,
// `GET /api/media/:id` → the bytes. The Bearer token is not checked. STATIC_DIR (required) holds the files.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

const PORT = Number(process.env.PORT ?? 3000);
const DIR = process.env.STATIC_DIR;
if (!DIR) throw new Error('STATIC_DIR is required');
mkdirSync(DIR, { recursive: true });

const app = Fastify({ logger: false });
// Every upload's body is the handler's to stream: no parser reads it.
app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
await app.register(fastifyStatic, { root: DIR, prefix: '/api/media/' });

app.post('/api/media', async (req, reply) => {
  const id = `m_${randomBytes(16).toString('base64url')}`;
  await pipeline(req.raw, createWriteStream(join(DIR, id)));
  return reply.code(201).send({ media_id: id });
});

await app.listen({ port: PORT, host: '127.0.0.1' });
console.log(JSON.stringify({ msg: 'ready', port: PORT, workers: [] }));

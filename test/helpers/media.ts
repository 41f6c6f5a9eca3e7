import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MediaInfo } from '@papo/protocol';
import sharp from 'sharp';

/** `POST /api/media` with raw bytes; the answer's status and JSON body. */
export async function upload(
  baseUrl: string,
  token: string | undefined,
  bytes: Uint8Array,
  contentType: string | undefined,
  name?: string,
  // biome-ignore lint/suspicious/noExplicitAny: tests read error answers as well as MediaInfo
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (contentType) headers['content-type'] = contentType;
  const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
  const res = await fetch(`${baseUrl}/api/media${query}`, {
    method: 'POST',
    headers,
    body: bytes as unknown as BodyInit,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Uploads and expects 201. */
export async function uploaded(
  baseUrl: string,
  token: string,
  bytes: Uint8Array,
  contentType: string,
  name?: string,
): Promise<MediaInfo & { url: string }> {
  const reply = await upload(baseUrl, token, bytes, contentType, name);
  if (reply.status !== 201) throw new Error(`upload answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** `GET` a media route: status, headers and the bytes. */
export async function download(
  baseUrl: string,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${baseUrl}${path}`, {
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A JPEG photo with camera and GPS tags in its EXIF, as a phone takes one. */
export function photoWithGps(width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PapoPhone', Model: 'Test 1', Copyright: 'someone' },
      IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '23/1 33/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '46/1 38/1 0/1' },
    })
    .toBuffer();
}

/** A small PNG. */
export function png(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 1 } } })
    .png()
    .toBuffer();
}

/**
 * An MP3 of silence, `frames` MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, 417 bytes and 26.12 ms each):
 * real audio any decoder takes, made without an encoder.
 */
export function silentMp3(frames: number): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

/**
 * `POST /api/media` of `chunks` × `chunkBytes` (with `declared` as its Content-Length, or chunked without one):
 * the status answered. An answer that comes before the body is all sent is taken and the rest not sent: the
 * server answers 413 and closes the connection when an upload is far too large, and a client still writing then
 * fails (EPIPE) instead of reading that answer, as fetch did now and then.
 */
export async function uploadInChunks(
  baseUrl: string,
  token: string,
  { chunks, chunkBytes, declared }: { chunks: number; chunkBytes: number; declared?: number },
): Promise<number> {
  const headers: Record<string, string | number> = { authorization: `Bearer ${token}`, 'content-type': 'image/png' };
  if (declared !== undefined) headers['content-length'] = declared;
  const request = httpRequest(`${baseUrl}/api/media`, { method: 'POST', headers });
  let status: number | undefined;
  const answered = new Promise<number>((resolve, reject) => {
    request.on('response', (response) => {
      response.resume();
      status = response.statusCode ?? 0;
      resolve(status);
    });
    request.on('error', reject);
  });
  const answerWithin = (ms: number) => Promise.race([answered.catch(() => 0), sleep(ms)]);
  request.flushHeaders();
  // A Content-Length far too large is answered at once.
  if (declared !== undefined) await answerWithin(2_000);
  const chunk = Buffer.alloc(chunkBytes, 1);
  for (let i = 0; i < chunks && status === undefined; i++) {
    if (!request.write(chunk)) await Promise.race([once(request, 'drain'), answered.catch(() => 0)]);
    await answerWithin(20);
  }
  if (status === undefined) await answerWithin(5_000);
  if (status === undefined) request.end();
  try {
    return await answered;
  } finally {
    request.destroy();
  }
}

import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, startServer } from './helpers/server-process.js';
import { onTeardown } from './helpers/teardown.js';

/**
 * The built web client as the server sends it: the build's `.br` and `.gz` siblings, picked by Accept-Encoding,
 * with caching by name (hashed assets immutable, the rest revalidated). Bytes are read with node:http, which
 * never decompresses on its own, so the test sees exactly what went over the wire.
 */

const WEB_DIST = resolve(REPO_ROOT, 'packages/web/dist');
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt|ico|xml|map)$/;
const SECRET = 'not part of the web client';
const IMMUTABLE = 'public, max-age=31536000, immutable';

let server: ServerProcess;
let web: string;
let script: string;

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** One request with exactly these headers and this path, sent as written (no URL normalising). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.path = path;
    req.on('error', fail);
    req.end();
  });
}

function varies(answer: Answer): boolean {
  return /(^|,)\s*accept-encoding\s*(,|$)/i.test(String(answer.headers.vary ?? ''));
}

beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error(`${WEB_DIST}: run \`npm run build\` first`);
  // A copy of the build with a file outside it (and its own .br and .gz) that no path may reach, and a file
  // with no compressed sibling.
  const top = mkdtempSync(join(tmpdir(), 'papo-static-'));
  onTeardown(() => rmSync(top, { recursive: true, force: true }));
  web = join(top, 'web');
  cpSync(WEB_DIST, web, { recursive: true });
  writeFileSync(join(top, 'secret.txt'), SECRET);
  writeFileSync(join(top, 'secret.txt.br'), brotliCompressSync(SECRET));
  writeFileSync(join(top, 'secret.txt.gz'), gzipSync(SECRET));
  writeFileSync(join(web, 'plain.txt'), 'no compressed sibling here');
  script = /src="(\/assets\/[^"]+\.js)"/.exec(readFileSync(join(web, 'index.html'), 'utf8'))![1]!;
  server = await startServer({ env: { WEB_DIR: web } });
});

describe('the build', () => {
  it('writes a .br and a .gz of every text file, each the original once decompressed', () => {
    const files = readdirSync(WEB_DIST, { recursive: true, encoding: 'utf8' })
      .map((name) => join(WEB_DIST, name))
      .filter((path) => statSync(path).isFile() && COMPRESSIBLE.test(path));
    expect(files.map((path) => relative(WEB_DIST, path))).toEqual(
      expect.arrayContaining(['index.html', 'favicon.svg', expect.stringMatching(/^assets\/.+\.js$/)]),
    );
    for (const path of files) {
      const original = readFileSync(path);
      expect(brotliDecompressSync(readFileSync(`${path}.br`)).equals(original), `${path}.br`).toBe(true);
      expect(gunzipSync(readFileSync(`${path}.gz`)).equals(original), `${path}.gz`).toBe(true);
    }
  });
});

describe('Accept-Encoding', () => {
  it('br is preferred, then gzip, else the file as it is; each with its own length and the same type', async () => {
    for (const path of [script, '/', '/favicon.svg']) {
      const file = join(web, path === '/' ? 'index.html' : path);
      const original = readFileSync(file);
      const identity = await get(path);
      const br = await get(path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      const gzip = await get(path, { 'accept-encoding': 'gzip, deflate' });

      expect(identity.status).toBe(200);
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.body.equals(original)).toBe(true);
      expect(identity.headers['content-length']).toBe(String(original.length));

      expect(br.status).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
      expect(br.headers['content-length']).toBe(String(statSync(`${file}.br`).size));

      expect(gzip.status).toBe(200);
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(original)).toBe(true);
      expect(gzip.headers['content-length']).toBe(String(statSync(`${file}.gz`).size));

      for (const answer of [identity, br, gzip]) {
        expect(answer.headers['content-type']).toBe(identity.headers['content-type']);
        expect(varies(answer), path).toBe(true);
      }
    }
    expect((await get(script)).headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect((await get('/')).headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await get('/favicon.svg')).headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('an encoding with q=0 is never sent, and what is not asked for is never sent', async () => {
    const cases: Array<[string, string | undefined]> = [
      ['br;q=0, gzip', 'gzip'],
      ['gzip, br;q=0', 'gzip'],
      ['br;q=0, gzip;q=0', undefined],
      ['br;q=0', undefined],
      ['identity', undefined],
      ['deflate', undefined],
      ['gzip;q=0.5, br;q=0.4', 'gzip'],
      ['BR', 'br'],
      ['*', 'gzip'],
    ];
    const original = readFileSync(join(web, script));
    for (const [accept, expected] of cases) {
      const answer = await get(script, { 'accept-encoding': accept });
      expect(answer.status, accept).toBe(200);
      expect(answer.headers['content-encoding'], accept).toBe(expected);
      const bytes =
        expected === 'br'
          ? brotliDecompressSync(answer.body)
          : expected === 'gzip'
            ? gunzipSync(answer.body)
            : answer.body;
      expect(bytes.equals(original), accept).toBe(true);
    }
  });

  it('a file without compressed siblings goes as it is, whatever is asked', async () => {
    const answer = await get('/plain.txt', { 'accept-encoding': 'br, gzip' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.toString()).toBe('no compressed sibling here');
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});

describe('caching', () => {
  it('hashed assets are immutable for a year; index.html and unhashed files are revalidated', async () => {
    for (const accept of ['br', 'gzip', '']) {
      const headers: Record<string, string> = accept ? { 'accept-encoding': accept } : {};
      expect((await get(script, headers)).headers['cache-control']).toBe(IMMUTABLE);
      expect((await get('/', headers)).headers['cache-control']).toBe('no-cache');
      expect((await get('/index.html', headers)).headers['cache-control']).toBe('no-cache');
      expect((await get('/favicon.svg', headers)).headers['cache-control']).toBe('no-cache');
    }
  });

  it('the service worker and the web app manifest: revalidated on every use, with their types', async () => {
    // A service worker cached by HTTP would hide a new deploy (browsers cap that at 24 h, still too long); the
    // page also registers it with updateViaCache 'none'.
    for (const accept of ['br', '']) {
      const headers: Record<string, string> = accept ? { 'accept-encoding': accept } : {};
      const worker = await get('/sw.js', headers);
      expect(worker.status).toBe(200);
      expect(worker.headers['cache-control']).toBe('no-cache');
      expect(worker.headers['content-type']).toMatch(/^(text|application)\/javascript/);
      const manifest = await get('/manifest.webmanifest', headers);
      expect(manifest.headers['cache-control']).toBe('no-cache');
      expect(manifest.headers['content-type']).toMatch(/^application\/manifest\+json/);
    }
    const plain = await get('/manifest.webmanifest');
    expect(JSON.parse(plain.body.toString())).toMatchObject({ name: 'Papo', start_url: '/', scope: '/' });
    const icon = await get('/icon-512.png');
    expect(icon.headers['content-type']).toBe('image/png');
  });

  it('each encoding has its own ETag, and If-None-Match answers 304 for that encoding only', async () => {
    for (const path of [script, '/']) {
      const br = await get(path, { 'accept-encoding': 'br' });
      const gzip = await get(path, { 'accept-encoding': 'gzip' });
      const identity = await get(path);
      const tags = [br, gzip, identity].map((answer) => answer.headers.etag);
      for (const tag of tags) expect(tag).toEqual(expect.any(String));
      expect(new Set(tags).size).toBe(3);

      const again = await get(path, { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers['cache-control']).toBe(br.headers['cache-control']);
      expect(varies(again)).toBe(true);

      // The gzip copy's tag does not match what a br client would get: the br bytes, not a 304.
      const other = await get(path, { 'accept-encoding': 'br', 'if-none-match': String(gzip.headers.etag) });
      expect(other.status).toBe(200);
      expect(other.headers['content-encoding']).toBe('br');
      const plain = await get(path, { 'if-none-match': String(identity.headers.etag) });
      expect(plain.status).toBe(304);
    }
  });
});

describe('HEAD', () => {
  it('answers the GET headers of the variant, without a body', async () => {
    for (const accept of ['br', 'gzip', '']) {
      const headers: Record<string, string> = accept ? { 'accept-encoding': accept } : {};
      const full = await get(script, headers);
      const head = await get(script, headers, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      for (const name of ['content-encoding', 'content-type', 'content-length', 'etag', 'cache-control', 'vary']) {
        expect(head.headers[name], `${accept} ${name}`).toEqual(full.headers[name]);
      }
    }
  });
});

describe('other paths', () => {
  it('a page path gets index.html (compressed when asked, revalidated); the API and missing assets get 404', async () => {
    const index = readFileSync(join(web, 'index.html'));
    const page = await get('/some/page', { accept: 'text/html', 'accept-encoding': 'br' });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(page.body).equals(index)).toBe(true);

    const plain = await get('/some/page', { accept: 'text/html' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(index)).toBe(true);

    const api = await get('/api/no-such-route', { accept: 'text/html,*/*', 'accept-encoding': 'br' });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString())).toMatchObject({ error: 'not_found' });
    const asset = await get('/assets/no-such-file.js', { accept: '*/*', 'accept-encoding': 'br' });
    expect(asset.status).toBe(404);
    expect(JSON.parse(asset.body.toString())).toMatchObject({ error: 'not_found' });
  });

  it('no path reaches a file outside the web directory, in any encoding', async () => {
    const paths = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '//../secret.txt',
    ];
    for (const path of paths) {
      for (const accept of ['br', 'gzip', '']) {
        const answer = await get(path, accept ? { 'accept-encoding': accept } : undefined);
        const bytes =
          answer.headers['content-encoding'] === 'br'
            ? brotliDecompressSync(answer.body)
            : answer.headers['content-encoding'] === 'gzip'
              ? gunzipSync(answer.body)
              : answer.body;
        expect(bytes.toString(), `${path} ${accept}`).not.toContain(SECRET);
        expect(answer.status, `${path} ${accept}`).not.toBe(200);
      }
    }
  });
});

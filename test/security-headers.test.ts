import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, startServer } from './helpers/server-process.js';

// The built web client (npm run build), served at `/`.
const WEB_DIST = resolve(REPO_ROOT, 'packages/web/dist');

let server: ServerProcess;

beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error(`${WEB_DIST}: run \`npm run build\` first`);
  server = await startServer({ env: { WEB_DIR: WEB_DIST } });
});

/** The CSP's directives, by name. */
function directives(csp: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name] = values.join(' ');
  }
  return out;
}

async function headersOf(url: string, init: RequestInit = {}): Promise<Headers> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.headers;
}

describe('security headers on every answer', () => {
  it('the web client, an API route, an error and a 404: a strict CSP, nosniff, no referrer, no framing', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
    expect(script).toBeDefined();
    const answers = [
      index.headers,
      await headersOf(`${server.url}${script}`),
      await headersOf(`${server.url}/healthz`),
      await headersOf(`${server.url}/api/me`), // 401
      await headersOf(`${server.url}/api/login`, {
        method: 'POST',
        body: '{',
        headers: { 'content-type': 'application/json' },
      }),
      await headersOf(`${server.url}/no/such/route`),
    ];
    for (const headers of answers) {
      const csp = directives(headers.get('content-security-policy'));
      expect(csp).toEqual({
        'default-src': "'self'",
        'script-src': "'self'",
        'script-src-attr': "'none'",
        'style-src': "'self'",
        'img-src': "'self' https: data: blob:",
        'media-src': "'self' blob:",
        'font-src': "'self'",
        'connect-src': "'self'",
        'object-src': "'none'",
        'base-uri': "'self'",
        'form-action': "'self'",
        'frame-ancestors': "'none'",
        'worker-src': "'self'",
        'manifest-src': "'self'",
      });
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('x-frame-options')).toBe('DENY');
      // Not in production: a browser would remember HSTS for a year, on a server that may not have TLS.
      expect(headers.get('strict-transport-security')).toBeNull();
      expect(headers.get('x-powered-by')).toBeNull();
    }
  });

  it('HSTS in production only', async () => {
    const production = await startServer({ env: { NODE_ENV: 'production' } });
    for (const path of ['/healthz', '/api/me']) {
      expect((await headersOf(`${production.url}${path}`)).get('strict-transport-security')).toBe('max-age=31536000');
    }
    await production.stop();
  });
});

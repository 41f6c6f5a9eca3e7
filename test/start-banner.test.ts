import { describe, expect, it } from 'vitest';
import { api } from './helpers/http.js';
import { startServer } from './helpers/server-process.js';

/** What a person sees on a terminal (LOG_FORMAT=pretty, the default there) and what a log collector gets. */
describe('the start banner and the log format', () => {
  it('LOG_FORMAT=pretty: one readable line per entry, then a banner with the mode, the URL, Redis and where codes go', async () => {
    const server = await startServer({ waitForReady: false, env: { LOG_FORMAT: 'pretty' } });
    const deadline = Date.now() + 20_000;
    while (!server.output().includes('Papo is ready') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = server.output();
    expect(text).toContain('Papo is ready');
    expect(text).toContain(`Open        http://localhost:${server.port}`);
    expect(text).toContain('Mode        development');
    expect(text).toMatch(/Redis {7}redis:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/Login codes written to this log, and in the API answers \(LOGIN_CODES_IN_RESPONSE=1\)/);
    expect(text).toContain('Push        VAPID keys made once, kept in Redis, subject mailto:admin@localhost');
    // Human lines, not JSON objects.
    expect(text).toMatch(/INFO \(\d+\): worker listening/);
    expect(text.split('\n').filter((l) => l.startsWith('{"level"'))).toEqual([]);
    expect((await api(server.url, '/healthz')).status).toBe(200);
    await server.stop();
  });

  it('JSON otherwise (not a terminal): the ready line carries the same facts for a collector', async () => {
    const server = await startServer({
      env: { NODE_ENV: 'production', LOGIN_CODE_WEBHOOK_URL: 'https://sms.example/hook/s3cret' },
    });
    const ready = await server.waitForLog((l) => l.msg === 'papo ready');
    expect(ready).toMatchObject({
      mode: 'production',
      url: `http://localhost:${server.port}`,
      login_codes: 'POSTed to https://sms.example (LOGIN_CODE_WEBHOOK_URL)',
    });
    expect(server.output()).not.toContain('s3cret');
    expect(server.output()).not.toContain('Papo is ready');
    await server.stop();
  });
});

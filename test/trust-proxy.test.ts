import { beforeAll, describe, expect, it } from 'vitest';
import { type ForwardingProxy, requestFrom, startForwardingProxy } from './helpers/forwarding-proxy.js';
import { uniq } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { TestClient } from './helpers/ws-client.js';

// Each client is a loopback address of its own (127.0.0.x, `localAddress`). Every server here has a key prefix
// of its own, so the login counters of other files (all from 127.0.0.1) do not count.
const LOGIN = { body: { username: 'probe' } };

/** n logins in a row from `from` to `url`, each with the X-Forwarded-For `forwardedFor(i)` (if any). */
async function loginStatuses(from: string, url: string, n: number, forwardedFor?: (i: number) => string) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor(i) } : {};
    statuses.push((await requestFrom(from, `${url}/api/login`, { ...LOGIN, headers })).status);
  }
  return statuses;
}

describe('TRUST_PROXY=1 behind one proxy that appends the address it saw (nginx)', () => {
  let server: ServerProcess;
  let proxy: ForwardingProxy;

  beforeAll(async () => {
    server = await startServer({
      env: {
        TRUST_PROXY: '1',
        LOGIN_RATE_LIMIT_PER_IP: '3',
        MAX_CONNECTIONS_PER_IP: '3',
        REDIS_KEY_PREFIX: `${uniq('tp')}:`,
      },
    });
    proxy = await startForwardingProxy(server.port);
  });

  it('a client rotating fake X-Forwarded-For values still hits its own per-IP login limit', async () => {
    const statuses = await loginStatuses('127.0.0.2', proxy.url, 6, (i) => `203.0.113.${i + 1}`);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('an address an attacker writes into X-Forwarded-For is not limited for what the attacker did', async () => {
    const victim = '127.0.0.3';
    const attacker = await loginStatuses('127.0.0.4', proxy.url, 5, () => victim);
    expect(attacker).toEqual([200, 200, 200, 429, 429]);
    expect(await loginStatuses(victim, proxy.url, 1)).toEqual([200]);
  });

  it('the WebSocket per-IP cap counts the address the proxy saw, not the one the client wrote', async () => {
    const open: TestClient[] = [];
    for (let i = 0; i < 3; i++) {
      const headers = { 'x-forwarded-for': `198.51.100.${i + 1}` };
      open.push(await TestClient.connect(proxy.wsUrl, { localAddress: '127.0.0.5', headers }));
    }
    const headers = { 'x-forwarded-for': '198.51.100.99' };
    await expect(TestClient.connect(proxy.wsUrl, { localAddress: '127.0.0.5', headers })).rejects.toThrow(/429/);
    // Another client behind the same proxy is not affected.
    const other = await TestClient.connect(proxy.wsUrl, { localAddress: '127.0.0.6' });
    await other.close();
    for (const client of open) await client.close();
  });
});

describe('TRUST_PROXY as proxy addresses', () => {
  it('127.0.0.1 trusted: a direct client is counted by its own address whatever it writes', async () => {
    const server = await startServer({
      env: { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT_PER_IP: '3', REDIS_KEY_PREFIX: `${uniq('tp')}:` },
    });
    const proxy = await startForwardingProxy(server.port);
    // Straight to the server from 127.0.0.7 (not a trusted proxy): its header is not believed.
    expect(await loginStatuses('127.0.0.7', server.url, 4, (i) => `203.0.113.${i + 1}`)).toEqual([200, 200, 200, 429]);
    // Through the trusted proxy, each client is the address the proxy saw.
    expect(await loginStatuses('127.0.0.8', proxy.url, 4, (i) => `203.0.113.${i + 1}`)).toEqual([200, 200, 200, 429]);
    expect(await loginStatuses('127.0.0.9', proxy.url, 1)).toEqual([200]);
    await server.stop();
  });

  it('a hop count of 2 with two proxies in a row: the address the outer proxy saw', async () => {
    const server = await startServer({
      env: { TRUST_PROXY: '2', LOGIN_RATE_LIMIT_PER_IP: '2', REDIS_KEY_PREFIX: `${uniq('tp')}:` },
    });
    const inner = await startForwardingProxy(server.port);
    const outer = await startForwardingProxy(inner.port);
    expect(await loginStatuses('127.0.0.10', outer.url, 3, (i) => `203.0.113.${i + 1}`)).toEqual([200, 200, 429]);
    expect(await loginStatuses('127.0.0.11', outer.url, 1)).toEqual([200]);
    await server.stop();
  });

  it('TRUST_PROXY=true (trust any header) is refused at start-up, saying what to set instead', async () => {
    await expect(startServer({ env: { TRUST_PROXY: 'true' } })).rejects.toThrow(
      /TRUST_PROXY=true would take the client address from whatever X-Forwarded-For a client sends/,
    );
    await expect(startServer({ env: { TRUST_PROXY: '10.0.0.300' } })).rejects.toThrow(/TRUST_PROXY: invalid IP/);
  });
});

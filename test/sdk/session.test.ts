import { memoryStorage, PapoClient } from '@papo/client';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api } from '../helpers/http.js';
import { keys, redisClient } from '../helpers/redis.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';
import { onTeardown } from '../helpers/teardown.js';
import { waitFor } from '../helpers/wait.js';
import { nextEvent, onlineClient, sdkClient } from './sdk-helpers.js';

/**
 * The SDK keeps its session alive by itself (issue 16, finding 3): it refreshes before the token runs out, and
 * on a 401 (HTTP) or a 4001 (WebSocket) it refreshes once and tries again; only a session that really ended
 * (logged out elsewhere) asks for a new login. Tokens last 4 s here, so all of it happens within the test.
 */
let server: ServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startServer({ env: { TOKEN_TTL_S: '4' } });
  redis = redisClient();
});

describe('the SDK’s session', () => {
  it('is refreshed before its token runs out, and the new token serves HTTP and a reconnect', async () => {
    const ana = await onlineClient(server.url, 'Ana');
    const first = ana.session!.token;
    const renewed = await nextEvent(ana, 'session_renewed', () => true, 8000);
    expect(renewed.token).not.toBe(first);
    await waitFor(
      () => redis.exists(keys.token(first)),
      (n) => n === 0,
      { what: 'the first token to run out', timeoutMs: 8000 },
    );
    expect((await ana.me()).user_id).toBe(ana.userId);
    ana.disconnect();
    const authed = nextEvent(ana, 'auth');
    ana.connect();
    expect((await authed).user_id).toBe(ana.userId);
  });

  it('a 401 on HTTP refreshes once and tries again', async () => {
    const bia = await onlineClient(server.url, 'Bia');
    await redis.del(keys.token(bia.session!.token));
    const renewed = nextEvent(bia, 'session_renewed');
    expect((await bia.me()).user_id).toBe(bia.userId);
    await renewed;
  });

  it('a 4001 on the WebSocket refreshes and reconnects', async () => {
    const caio = await onlineClient(server.url, 'Caio');
    await redis.del(keys.token(caio.session!.token));
    caio.disconnect();
    const authed = nextEvent(caio, 'auth');
    caio.connect(); // auth with the deleted token: invalid_token, 4001, refresh, reconnect
    expect((await authed).user_id).toBe(caio.userId);
  });

  it('a session ended elsewhere (logged out from another device) ends here, once, without a reconnect loop', async () => {
    const dora = await onlineClient(server.url, 'Dora');
    const expired = nextEvent(dora, 'session_expired');
    const ended = await api(server.url, '/api/logout', { method: 'POST', token: dora.session!.token });
    expect(ended.status).toBe(204);
    await expired;
    expect(dora.session).toBeNull();
    expect(dora.state).toBe('offline');
  });

  it('two tabs sharing one storage refresh at once and both keep the session', async () => {
    const storage = memoryStorage();
    const make = () => {
      const client = new PapoClient({ baseUrl: server.url, WebSocket: WebSocket as never, storage });
      onTeardown(() => client.disconnect());
      return client;
    };
    const tabA = make();
    await tabA.loginTemporary('Tabs');
    const tabB = make(); // reads the session tabA stored
    expect(tabB.userId).toBe(tabA.userId);
    await Promise.all([
      (tabA as unknown as { keeper: { refresh(): Promise<boolean> } }).keeper.refresh(),
      (tabB as unknown as { keeper: { refresh(): Promise<boolean> } }).keeper.refresh(),
    ]);
    // Each refreshes again later, from what the other left in storage: no refresh token is presented twice.
    await (tabA as unknown as { keeper: { refresh(): Promise<boolean> } }).keeper.refresh();
    await (tabB as unknown as { keeper: { refresh(): Promise<boolean> } }).keeper.refresh();
    expect((await tabA.me()).user_id).toBe(tabA.userId);
    expect((await tabB.me()).user_id).toBe(tabA.userId);
  });

  it('logout ends the session on the server, not only here', async () => {
    const eva = sdkClient(server.url);
    await eva.loginTemporary('Eva');
    const token = eva.session!.token;
    await eva.logout();
    expect(eva.session).toBeNull();
    expect((await api(server.url, '/api/me', { token })).status).toBe(401);
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, uniq } from './helpers/http.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';
import { connectWithToken } from './helpers/session.js';

type Delivered = { channel: string; to: string; code: string; expires_in: number };

/** A stand-in for the operator's SMS/e-mail gateway: a real HTTP server that records what it is sent. */
let gateway: Server;
let gatewayStatus = 200;
const delivered: Delivered[] = [];
let papo: ServerProcess;

function readJson(req: IncomingMessage): Promise<Delivered> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => resolve(JSON.parse(text) as Delivered));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  gateway = createServer(async (req, res) => {
    delivered.push(await readJson(req));
    res.writeHead(gatewayStatus).end();
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const { port } = gateway.address() as AddressInfo;
  papo = await startServer({
    env: {
      LOGIN_CODE_WEBHOOK_URL: `http://127.0.0.1:${port}/codes`,
      NODE_ENV: 'production',
      LOGIN_CODES_IN_RESPONSE: '',
    },
  });
});

afterAll(() => new Promise<void>((resolve) => gateway.close(() => resolve())));

describe('login codes through LOGIN_CODE_WEBHOOK_URL (NODE_ENV=production)', () => {
  it('POSTs {channel, to, code, expires_in} to the webhook; the answer carries no dev_code; the code logs in', async () => {
    const email = `${uniq('Mail.')}@Example.com`;
    const sent = await api(papo.url, '/api/login/code', { body: { email } });
    expect(sent).toEqual({ status: 202, body: { sent: true, challenge_id: expect.any(String), expires_in: 300 } });
    const message = delivered.at(-1)!;
    expect(message).toMatchObject({ channel: 'email', to: email.toLowerCase(), expires_in: 300 });
    expect(message.code).toMatch(/^\d{6}$/);

    const verified = await api(papo.url, '/api/login/verify', { body: { email, code: message.code } });
    expect(verified.status).toBe(200);
    const client = await connectWithToken(papo, verified.body.token);
    expect(client.all('auth_ok')[0]).toMatchObject({ user_id: verified.body.user_id });

    // Neither the token nor the code reaches the server's log.
    expect(papo.output()).not.toContain(verified.body.token);
    expect(papo.output()).not.toContain(message.code);
  });

  it('a gateway that refuses is 503 internal, and no code is left behind to guess', async () => {
    gatewayStatus = 500;
    try {
      const phone = `+5511${String(Date.now()).slice(-8)}`;
      const sent = await api(papo.url, '/api/login/code', { body: { phone } });
      expect(sent.status).toBe(503);
      expect(sent.body.error).toBe('internal');
      const code = delivered.at(-1)!.code;
      const verified = await api(papo.url, '/api/login/verify', { body: { phone, code } });
      expect(verified.status).toBe(401);
    } finally {
      gatewayStatus = 200;
    }
  });
});

import { randomBytes } from 'node:crypto';
import type { LoginAnswer } from '@papo/protocol';

export type HttpReply<T = Record<string, unknown>> = { status: number; body: T };

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with `content-type: application/json` (for malformed bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** One HTTP call with the global fetch; the body is parsed as JSON when it is JSON. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary answer shapes and check them with expect
export async function api<T = any>(baseUrl: string, path: string, options: ApiOptions = {}): Promise<HttpReply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined || options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  const res = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: the test sees the text
  }
  return { status: res.status, body: parsed as T };
}

/** A short random suffix for usernames, titles and addresses, so test files never collide. */
export function uniq(prefix = 'u'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** `POST /api/login`: a fresh temporary user. */
export async function login(baseUrl: string, username = uniq('user-'), avatarUrl?: string): Promise<LoginAnswer> {
  const body: Record<string, string> = { username };
  if (avatarUrl !== undefined) body.avatar_url = avatarUrl;
  const reply = await api<LoginAnswer>(baseUrl, '/api/login', { body });
  if (reply.status !== 200) {
    throw new Error(`POST /api/login answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}

import type { ServerEventOf } from '@papo/protocol';
import { login, uniq } from './http.js';
import type { ServerProcess } from './server-process.js';
import { TestClient } from './ws-client.js';

/** A logged-in user with one authenticated connection. */
export interface Session {
  client: TestClient;
  userId: string;
  /** The login token. */
  token: string;
  username: string;
  authOk: ServerEventOf<'auth_ok'>;
}

type Target = Pick<ServerProcess, 'url' | 'wsUrl'>;

/** Connects and authenticates with a `auth` frame; resolves on `auth_ok`. */
export async function connectWithToken(server: Target, token: string): Promise<TestClient> {
  const client = await TestClient.connect(server.wsUrl);
  client.send('auth', { token });
  await client.next('auth_ok');
  return client;
}

/** Logs a new user in over HTTP, connects, sends `auth` and waits for `auth_ok`. */
export async function connectAuthed(server: Target, username = uniq('user-')): Promise<Session> {
  const answer = await login(server.url, username);
  const client = await TestClient.connect(server.wsUrl);
  client.send('auth', { token: answer.token });
  const authOk = await client.next('auth_ok');
  return { client, userId: answer.user_id, token: answer.token, username, authOk };
}

/** Another authenticated connection of an existing session's user (same token). */
export async function secondConnection(server: Target, session: Session): Promise<TestClient> {
  return connectWithToken(server, session.token);
}

/** `n` fresh users, connected and authenticated, in parallel. */
export function users(server: Target, n: number): Promise<Session[]> {
  return Promise.all(Array.from({ length: n }, () => connectAuthed(server)));
}

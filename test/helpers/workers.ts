import type { ServerProcess } from './server-process.js';
import { connectAuthed, type Session } from './session.js';
import { ownerPid } from './socket-owner.js';
import { waitFor } from './wait.js';
import type { TestClient } from './ws-client.js';

/** The worker pid holding the server end of this client's connection (read from /proc). */
export function workerOf(server: ServerProcess, client: TestClient): Promise<number> {
  return waitFor(
    () => ownerPid(server.liveWorkerPids(), server.port, client.localPort),
    (pid) => pid !== undefined,
    { what: `the worker holding client port ${client.localPort}`, timeoutMs: 3000 },
  ) as Promise<number>;
}

/** Connects (through `open`) until a connection lands on a worker accepted by `want`; closes the misses. */
export async function connectOnWorker<T extends { client: TestClient }>(
  server: ServerProcess,
  open: () => Promise<T>,
  want: (pid: number) => boolean,
  tries = 8,
): Promise<T & { pid: number }> {
  for (let i = 0; i < tries; i++) {
    const session = await open();
    const pid = await workerOf(server, session.client);
    if (want(pid)) return Object.assign(session, { pid });
    await session.client.close();
  }
  throw new Error(`no connection landed on the wanted worker in ${tries} tries (workers ${server.liveWorkerPids()})`);
}

/** `n` fresh users whose connections alternate between the live workers (user i on worker i mod count). */
export async function usersAcrossWorkers(server: ServerProcess, n: number): Promise<Array<Session & { pid: number }>> {
  const workers = server.liveWorkerPids().sort((a, b) => a - b);
  const out: Array<Session & { pid: number }> = [];
  for (let i = 0; i < n; i++) {
    const target = workers[i % workers.length]!;
    out.push(
      await connectOnWorker(
        server,
        () => connectAuthed(server),
        (pid) => pid === target,
      ),
    );
  }
  return out;
}

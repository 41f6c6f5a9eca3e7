import { describe, expect, it } from 'vitest';
import { startServer } from './helpers/server-process.js';
import { connectAuthed } from './helpers/session.js';
import { holdsAny, listeningInodes } from './helpers/socket-owner.js';

describe('who accepts connections', () => {
  it('a lone worker accepts them itself, with no hand-off through the primary, and serves them', async () => {
    const server = await startServer({ workers: 1 });
    const listening = listeningInodes(server.port);
    expect(listening.size).toBeGreaterThan(0);
    expect(holdsAny(server.workerPids[0]!, listening)).toBe(true);
    const session = await connectAuthed(server);
    expect(session.authOk.user_id).toBe(session.userId);
  });

  it('with two workers the primary accepts and deals connections out in turn', async () => {
    const server = await startServer({ workers: 2 });
    const listening = listeningInodes(server.port);
    expect(listening.size).toBeGreaterThan(0);
    expect(holdsAny(server.pid, listening)).toBe(true);
    for (const pid of server.workerPids) expect(holdsAny(pid, listening)).toBe(false);
  });
});

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServer } from './helpers/server-process.js';
import { connectAuthed } from './helpers/session.js';

/** Inodes of the sockets listening on `port` (Linux: /proc/net/tcp and tcp6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // fields[3] is the state (0A: LISTEN), fields[9] the inode.
      if (local && Number.parseInt(local.split(':')[1] ?? '', 16) === port && fields[3] === '0A') {
        inodes.add(fields[9]!);
      }
    }
  }
  return inodes;
}

/** Whether process `pid` holds one of these sockets open. */
function holdsAny(pid: number, inodes: Set<string>): boolean {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}

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

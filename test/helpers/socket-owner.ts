import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which process holds the server end of a test client's TCP connection: read from /proc (Linux), so the server
 * need not expose anything. Used to spread connections over cluster workers and to know which worker to kill.
 */
function inodesOfServerEnd(serverPort: number, clientPort: number): Set<string> {
  const found = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const localPort = Number.parseInt(cols[1]!.split(':').pop()!, 16);
      const remotePort = Number.parseInt(cols[2]!.split(':').pop()!, 16);
      if (localPort === serverPort && remotePort === clientPort) found.add(cols[9]!);
    }
  }
  return found;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the fd closed meanwhile
    }
  }
  return inodes;
}

/** The pid among `candidates` whose open sockets include the server end of the client's connection. */
export function ownerPid(candidates: number[], serverPort: number, clientPort: number): number | undefined {
  const wanted = inodesOfServerEnd(serverPort, clientPort);
  if (wanted.size === 0) return undefined;
  for (const pid of candidates) {
    for (const inode of socketInodes(pid)) if (wanted.has(inode)) return pid;
  }
  return undefined;
}

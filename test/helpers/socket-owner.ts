import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which process holds a TCP socket, read from /proc (Linux), so the server need not expose anything. Used to
 * spread connections over cluster workers, to know which worker to kill, and to see who accepts connections.
 */

/** Inodes of the TCP sockets whose row (local port, remote port, state: 0A is LISTEN) matches. */
function tcpInodes(matches: (localPort: number, remotePort: number, state: string) => boolean): Set<string> {
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
      if (matches(localPort, remotePort, cols[3]!)) found.add(cols[9]!);
    }
  }
  return found;
}

/** The sockets listening on `port`. */
export function listeningInodes(port: number): Set<string> {
  return tcpInodes((local, _remote, state) => local === port && state === '0A');
}

/** The sockets process `pid` holds open. */
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

/** Whether process `pid` holds one of these sockets open. */
export function holdsAny(pid: number, inodes: Set<string>): boolean {
  for (const inode of socketInodes(pid)) if (inodes.has(inode)) return true;
  return false;
}

/** The pid among `candidates` whose open sockets include the server end of the client's connection. */
export function ownerPid(candidates: number[], serverPort: number, clientPort: number): number | undefined {
  const wanted = tcpInodes((local, remote) => local === serverPort && remote === clientPort);
  if (wanted.size === 0) return undefined;
  for (const pid of candidates) if (holdsAny(pid, wanted)) return pid;
  return undefined;
}

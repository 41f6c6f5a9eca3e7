import { createServer } from 'node:net';

/** The shared developer Redis lives there: never hand it out. */
const RESERVED = new Set([6379, 6380, 8080]);

/** A loopback TCP port that was free a moment ago (the OS picks it; the caller binds it right away). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const address = srv.address();
        const found = typeof address === 'object' && address ? address.port : 0;
        srv.close(() => resolve(found));
      });
    });
    if (port > 0 && !RESERVED.has(port)) return port;
  }
}

/** True while `pid` is a live process (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

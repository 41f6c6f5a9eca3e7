/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Polls a condition that has no event to wait on (a key's TTL running out, a process being gone, an HTTP
 * status changing) until it holds; fails with `what` and the last value seen.
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  // By default as long as a wait for a frame (DEFAULT_WAIT_MS in ws-client.ts): what must come, on a busy machine.
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      last = err as T;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'a condition'}; last value: ${String(last)}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

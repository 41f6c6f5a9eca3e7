import { afterAll } from 'vitest';

/**
 * Teardown registry for the current test file: every factory (servers, clients, Redis connections) registers
 * its cleanup here, and it all runs after the file's tests, newest first, whatever failed.
 * Imported only by test files (it registers a file-level `afterAll` when first imported).
 */
const cleanups: Array<() => unknown> = [];

export function onTeardown(fn: () => unknown): void {
  cleanups.push(fn);
}

afterAll(async () => {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'teardown failed');
});

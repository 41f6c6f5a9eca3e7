import type { ErrorCode } from '@papo/protocol';

/** A refusal from the server (a contract error code), or `internal` when it could not be reached. */
export class PapoError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'PapoError';
  }
}

import type { ErrorCode } from '@papo/protocol';

/** The one error handlers throw: a contract code, a message for the client, and the original cause if any. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { retry_after?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** Any throw that is not an AppError is the server's fault: `internal`, original kept as the cause. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('internal', 'The server could not do it; nothing was changed. Try again.', {}, { cause: err });
}

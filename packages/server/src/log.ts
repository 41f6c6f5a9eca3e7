import { pino } from 'pino';

/** JSON logs on stdout. Tokens and login codes' recipients' secrets never reach them. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}) {
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
    redact: {
      paths: ['token', '*.token', 'req.headers.authorization', 'headers.authorization', 'req.query.token'],
      censor: '[redacted]',
    },
  });
}

export type Logger = ReturnType<typeof createLogger>;

import { pino, stdSerializers } from 'pino';
import pretty from 'pino-pretty';

/**
 * A run of 32 or more base64url or hex characters: a token (192 bits are 32 base64url characters), a login
 * secret, a key holding one. Nothing the log needs looks like that.
 */
const TOKEN_SHAPED = /[A-Za-z0-9_-]{32,}/g;
const CENSOR = '[redacted]';

function redactText(text: string): string {
  return text.replace(TOKEN_SHAPED, CENSOR);
}

/**
 * A serialized error without secrets: ioredis attaches the failed command (`command: { name, args }`), whose
 * arguments carry message bodies, tokens and keys named after them, so only the command's name stays; every
 * string (message, stack, causes) has its token-shaped runs redacted. Nested errors are cleaned the same way.
 */
function cleanError(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (Array.isArray(value)) return value.map((item) => cleanError(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'args' || key === 'argv') continue;
    out[key] = cleanError(field, depth + 1);
  }
  return out;
}

/** The `err` of a log line: pino's own serialization (message, stack, cause, own fields), then cleaned. */
function serializeError(err: unknown): unknown {
  return cleanError(err instanceof Error ? stdSerializers.err(err) : err);
}

export type LogFormat = 'pretty' | 'json';

/**
 * Logs on stdout: JSON lines for collectors, or (LOG_FORMAT=pretty, the default on a terminal) one coloured
 * line each for people, written synchronously so the last lines before an exit are not lost. Tokens, message
 * bodies in failed Redis commands and login secrets never reach either.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, format: LogFormat = 'json') {
  const options = {
    level,
    base: { pid: process.pid, ...bindings },
    serializers: { err: serializeError },
    redact: {
      paths: ['token', '*.token', 'req.headers.authorization', 'headers.authorization', 'req.query.token'],
      censor: CENSOR,
    },
  };
  if (format === 'json') return pino(options);
  const stream = pretty({
    sync: true,
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'hostname,role',
    singleLine: true,
  });
  return pino(options, stream);
}

export type Logger = ReturnType<typeof createLogger>;

/** Exits once the log's last lines are written (an async stdout would drop them), or after 1 s at most. */
export function exitAfterLog(log: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1000).unref();
  log.flush(() => process.exit(code));
}

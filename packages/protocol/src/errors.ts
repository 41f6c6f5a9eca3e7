/** Every error code a client can receive, in a WebSocket `error` frame or an HTTP error body. */
export const ERROR_CODES = {
  bad_json: 'the frame is not JSON, or not an object',
  bad_frame: 'a binary frame',
  unknown_action: '`action` is not one this server knows',
  invalid_payload: '`data` misses a field, has a wrong type, or a value out of range',
  unauthenticated: 'any action but `auth` before `auth_ok` (HTTP: a missing, unknown or expired token)',
  invalid_token: '`auth` with a token that does not exist or has expired; the server then closes with 4001',
  not_found: 'a chat or user that does not exist, or that the caller may not know of (a DM it is not in)',
  forbidden: 'the caller is not a member of the chat it acts on',
  rate_limited: 'over a rate limit; carries `retry_after` (seconds)',
  internal: 'the server could not do it (for example Redis is down); nothing was half-done',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** The HTTP status each code maps to on HTTP routes. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_json: 400,
  bad_frame: 400,
  unknown_action: 400,
  invalid_payload: 400,
  unauthenticated: 401,
  invalid_token: 401,
  not_found: 404,
  forbidden: 403,
  rate_limited: 429,
  internal: 503,
};

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  /** RFC 6455: the server is going away for a restart; reconnect. */
  serviceRestart: 1012,
  /** RFC 6455: policy violation — over a connection limit (per user or per IP). */
  policy: 1008,
  /** RFC 6455: a frame over the size limit. */
  messageTooBig: 1009,
  /** Not authenticated in time, or `auth` with an invalid or expired token. Log in again. */
  authFailed: 4001,
} as const;

import type { Logger } from '../log.js';

export type LoginCode = { channel: 'phone' | 'email'; to: string; code: string; expires_in: number };

/** Delivers login codes: to an SMS/e-mail gateway of the operator's, or to the server log in development. */
export type CodeSender = { send(code: LoginCode): Promise<void> };

/** The default: the code is written to the server log, for development and trials. */
export function logSender(log: Logger): CodeSender {
  return {
    async send(code) {
      log.info({ channel: code.channel, to: code.to, code: code.code }, 'login code (LOGIN_CODE_WEBHOOK_URL is unset)');
    },
  };
}

/** POSTs `{ channel, to, code, expires_in }` as JSON to the operator's webhook; a non-2xx answer is a failure. */
export function webhookSender(url: string, log: Logger, timeoutMs = 5000): CodeSender {
  return {
    async send(code) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(code),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        log.error({ status: response.status }, 'login code webhook refused the code');
        throw new Error(`login code webhook answered ${response.status}`);
      }
    },
  };
}

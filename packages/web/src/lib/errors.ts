import { PapoError } from '@papo/client';
import type { MessageKey, Translate } from '../i18n';

const KNOWN = new Set(['rate_limited', 'invalid_payload', 'not_found', 'forbidden', 'unauthenticated', 'internal']);

/**
 * A refusal or a network failure, said in the user's language. `overrides` words a code for one place (a code
 * form's 401 is a wrong code, anywhere else an ended session).
 */
export function errorText(err: unknown, t: Translate, overrides: Partial<Record<string, MessageKey>> = {}): string {
  if (err instanceof PapoError) {
    const override = overrides[err.code];
    if (override) return t(override);
    if (err.code === 'rate_limited') return t('error.rate_limited', { seconds: err.retryAfter ?? 60 });
    if (KNOWN.has(err.code)) return t(`error.${err.code}` as MessageKey);
    return t('error.generic', { message: err.message });
  }
  return t('error.generic', { message: err instanceof Error ? err.message : String(err) });
}

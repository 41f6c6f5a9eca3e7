import { cleanDisplayText } from '@papo/protocol';
import { AppError } from './errors.js';

/**
 * A name or title as a client sent it, cleaned of control and bidi-override characters (see
 * `cleanDisplayText`); `invalid_payload` when nothing visible is left. Undefined stays undefined.
 */
export function cleanName(name: string | undefined, field: string): string | undefined {
  if (name === undefined) return undefined;
  const clean = cleanDisplayText(name);
  if (!clean) throw new AppError('invalid_payload', `${field}: must contain visible characters.`);
  return clean;
}

import { cleanDisplayText } from '@papo/protocol';
import { AppError } from './errors.js';

/**
 * Characters that draw nothing by themselves: white space, zero-width spaces and joiners, the word joiner,
 * variation selectors, and the fillers and blanks that invisible-name tricks use (Hangul fillers, the braille
 * blank). They may sit inside a name (an emoji sequence needs its joiners), but cannot be all of it.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each is matched alone, variation selectors included
const DRAWS_NOTHING = /[\s\u115f\u1160\u180e\u200b-\u200d\u2060\u2800\u3164\ufe00-\ufe0f\uffa0]/gu;

/** Whether a person would see anything of the text. */
export function hasVisibleText(text: string): boolean {
  return text.replace(DRAWS_NOTHING, '') !== '';
}

/**
 * A name or title as a client sent it, cleaned of control and bidi-override characters (see
 * `cleanDisplayText`); `invalid_payload` when nothing visible is left. Undefined stays undefined.
 */
export function cleanName(name: string | undefined, field: string): string | undefined {
  if (name === undefined) return undefined;
  const clean = cleanDisplayText(name);
  if (!hasVisibleText(clean)) throw new AppError('invalid_payload', `${field}: must contain visible characters.`);
  return clean;
}

/** Optional text shown under a name (an "about" line): cleaned the same way, '' when nothing visible is left. */
export function cleanOptionalText(text: string): string {
  const clean = cleanDisplayText(text);
  return hasVisibleText(clean) ? clean : '';
}

/**
 * A file's name as uploaded (`?name=`): cleaned as a name is (no control or bidi-override characters, so
 * "invoice\u202Efdp.exe" cannot pose as a PDF), no path separators, and "file" when nothing visible is left.
 */
export function cleanFileName(name: string): string {
  const clean = cleanDisplayText(name).replace(/[/\\]/g, '_').trim();
  return hasVisibleText(clean) ? clean : 'file';
}

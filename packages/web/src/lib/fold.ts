/**
 * "Read more", as WhatsApp does it: a body longer than FOLD_MAX_CHARS characters or FOLD_MAX_LINES lines
 * shows its start (PREVIEW_CHARS, PREVIEW_LINES) until the reader expands it. The preview is well under the
 * threshold, so a folded message always hides a good part of itself, never just a word.
 */
export const FOLD_MAX_CHARS = 700;
export const FOLD_MAX_LINES = 15;
export const PREVIEW_CHARS = 500;
export const PREVIEW_LINES = 10;
/** A cut looks back this far for a space, so a word is not split. */
const WORD_LOOKBACK = 40;

/** Where the body's preview ends (a string index), or undefined when the body is shown whole. */
export function foldAt(body: string): number | undefined {
  const lines = body.split('\n');
  if (body.length <= FOLD_MAX_CHARS && lines.length <= FOLD_MAX_LINES) return undefined;
  let end = Math.min(body.length, PREVIEW_CHARS);
  if (lines.length > PREVIEW_LINES) {
    const linesEnd = lines.slice(0, PREVIEW_LINES).join('\n').length;
    end = Math.min(end, linesEnd);
  }
  return graphemeBoundary(body, wordBoundary(body, end));
}

/** The last space within WORD_LOOKBACK before `end` (the cut then drops it), else `end`. */
function wordBoundary(body: string, end: number): number {
  if (end >= body.length || /\s/.test(body[end] ?? '')) return end;
  const from = Math.max(0, end - WORD_LOOKBACK);
  const space = body.slice(from, end).search(/\s\S*$/);
  return space > 0 ? from + space : end;
}

/** `end`, or the start of the grapheme it falls inside: a cut never splits an emoji or an accent. */
function graphemeBoundary(body: string, end: number): number {
  let boundary = 0;
  for (const { index } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(body)) {
    if (index > end) break;
    boundary = index;
  }
  return boundary === 0 ? end : boundary;
}

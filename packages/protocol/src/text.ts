/**
 * Display text other users see (names, chat titles): what a client sends is cleaned before it is stored.
 * Control characters could break a line in a list or a log; bidirectional overrides and isolates make a name
 * render reversed or swallow the text after it ("Ana\u202Egnp.exe"). Joiners and variation selectors stay:
 * emoji sequences need them.
 */
// C0 and C1 controls; LRM, RLM, ALM; embeddings and overrides (U+202A–U+202E); isolates (U+2066–U+2069);
// the zero-width no-break space (BOM) and the interlinear annotation marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

/** The text without control and bidi-override characters, trimmed; '' when nothing visible is left. */
export function cleanDisplayText(text: string): string {
  return text.replace(UNSAFE_IN_NAMES, '').trim();
}

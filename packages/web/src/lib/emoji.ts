/** Up to this many emoji alone in a message are shown large, as WhatsApp does. */
export const BIG_EMOJI_MAX = 3;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** A pictograph drawn as an emoji: by default, or asked for by VS16, or part of a ZWJ or skin-tone sequence. */
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const EMOJI_LOOK = /\p{Emoji_Presentation}|\uFE0F|\u200D|\p{Emoji_Modifier}/u;
const FLAG = /^\p{Regional_Indicator}{2}$/u;
const KEYCAP = /^[0-9#*]\uFE0F?\u20E3$/u;

/** Whether one grapheme is an emoji. Text-style symbols (©, ™, ↔ without VS16) are not. */
function isEmoji(grapheme: string): boolean {
  if (FLAG.test(grapheme) || KEYCAP.test(grapheme)) return true;
  return PICTOGRAPH.test(grapheme) && EMOJI_LOOK.test(grapheme);
}

/**
 * How many emoji the body holds when it holds nothing else (whitespace allowed between); 0 when it holds any
 * other text. A ZWJ family, a flag or a thumbs-up with a skin tone count as one, as they are drawn.
 */
export function emojiOnlyCount(body: string): number {
  let count = 0;
  for (const { segment } of graphemes.segment(body)) {
    if (/^\s+$/u.test(segment)) continue;
    if (!isEmoji(segment)) return 0;
    count++;
    // Long strings are not counted to the end: past the limit the answer is already "not big".
    if (count > BIG_EMOJI_MAX) return count;
  }
  return count;
}

/** Whether the body is one to BIG_EMOJI_MAX emoji and nothing else. */
export function isBigEmoji(body: string): boolean {
  const count = emojiOnlyCount(body);
  return count >= 1 && count <= BIG_EMOJI_MAX;
}

/** The reaction bar's six, as WhatsApp's. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/** What "+" adds to them: a modest list of common emoji (no picker library). */
export const MORE_REACTIONS = [
  '😀',
  '😁',
  '😊',
  '😍',
  '🥰',
  '😘',
  '😎',
  '🤔',
  '😅',
  '🤣',
  '😭',
  '😡',
  '😱',
  '🥳',
  '😴',
  '🙄',
  '👏',
  '🙌',
  '👌',
  '✌️',
  '🤝',
  '💪',
  '👀',
  '🔥',
  '✨',
  '🎉',
  '💯',
  '✅',
  '❌',
  '⭐',
  '💔',
  '💚',
] as const;

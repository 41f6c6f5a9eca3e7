/** Up to two initials from a display name ("Ana Maria" → "AM", "zé" → "Z"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

/** White initials on each: 4.5:1 or more (the lightest, amber, is 4.9:1). */
const AVATAR_COLORS = ['#008069', '#0369a1', '#c0392b', '#7c4dcc', '#a16207', '#0e7490', '#be185d', '#047857'];
/**
 * Sender names' colours, CSS variables (--name-0 … --name-7 in styles.css) so the dark theme has its own: 4.5:1
 * or more on the bubble in each theme.
 */
const NAME_COLORS = Array.from({ length: 8 }, (_, i) => `var(--name-${i})`);

/** FNV-1a: ids that differ in one character land on different colours. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A stable background for an initials avatar. */
export function avatarColor(id: string): string {
  return AVATAR_COLORS[hash(id) % AVATAR_COLORS.length]!;
}

/** A stable, readable colour for a sender's name in a public chat. */
export function nameColor(id: string): string {
  return NAME_COLORS[hash(id) % NAME_COLORS.length]!;
}

/** One line of a message for previews: whitespace runs (newlines included) become one space. */
export function previewText(body: string): string {
  return body.replace(/\s+/g, ' ').trim();
}

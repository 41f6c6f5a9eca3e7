/** Up to two initials from a display name ("Ana Maria" → "AM", "zé" → "Z"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

const AVATAR_COLORS = ['#00a884', '#53bdeb', '#ff7a6b', '#a78bfa', '#f59e0b', '#06b6d4', '#ec4899', '#10b981'];
const NAME_COLORS = ['#1f7aec', '#c2410c', '#7c3aed', '#0f766e', '#be185d', '#b45309', '#047857', '#4338ca'];

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

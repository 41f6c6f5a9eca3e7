/** A run of a body: plain text, or an "@Name" of a mentioned member. */
export type MentionPart = { kind: 'text'; text: string } | { kind: 'mention'; text: string; userId: string };

/** A member a message may mention. */
export type Mentionable = { user_id: string; name: string };

/**
 * The "@Name"s of a body, for the members it mentions: the longest name wins where two start alike ("@Ana
 * Maria" over "@Ana"). Anything else stays text.
 */
export function mentionParts(body: string, mentioned: Mentionable[]): MentionPart[] {
  const names = mentioned.filter((m) => m.name).sort((a, b) => b.name.length - a.name.length);
  if (names.length === 0) return body ? [{ kind: 'text', text: body }] : [];
  const parts: MentionPart[] = [];
  let text = '';
  let i = 0;
  while (i < body.length) {
    const hit = body[i] === '@' ? names.find((m) => body.startsWith(m.name, i + 1)) : undefined;
    if (hit) {
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'mention', text: `@${hit.name}`, userId: hit.user_id });
      i += hit.name.length + 1;
    } else {
      text += body[i];
      i++;
    }
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/**
 * The "@word" being typed where the caret is, for the composer's autocomplete: what follows an "@" at the
 * start or after a space, up to the caret, without a line break (spaces allowed: names have them). Undefined
 * when the caret is not in one.
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return undefined;
  if (at > 0 && !/\s/.test(before[at - 1] ?? '')) return undefined;
  const query = before.slice(at + 1);
  if (/\n/.test(query) || query.length > 32 || /\s\s/.test(query)) return undefined;
  return { start: at, query };
}

/** Members whose name matches what was typed after "@" (the start of any word, case and accents aside). */
export function mentionMatches(query: string, members: Mentionable[], limit = 8): Mentionable[] {
  const fold = (s: string) =>
    s
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .toLowerCase();
  const q = fold(query.trim());
  return members
    .filter((m) => {
      const name = fold(m.name);
      return !q || name.startsWith(q) || name.split(/\s+/).some((word) => word.startsWith(q));
    })
    .slice(0, limit);
}

/**
 * The ids a body still mentions when sent: those picked from the autocomplete whose "@Name" is still in the
 * text (a mention deleted while typing is dropped), without repeats.
 */
export function mentionsIn(body: string, picked: Mentionable[]): string[] {
  const ids = picked.filter((m) => body.includes(`@${m.name}`)).map((m) => m.user_id);
  return [...new Set(ids)];
}

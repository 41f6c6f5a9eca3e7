/** What the "New chat" list needs of a person to order them. */
export type Orderable = { user_id: string; username: string; online: boolean };

/** Online first, then by name as the reader's language sorts it (then by id, so equal names keep a place). */
export function orderContacts<T extends Orderable>(people: readonly T[], locale?: string): T[] {
  const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true });
  return [...people].sort(
    (a, b) =>
      Number(b.online) - Number(a.online) ||
      collator.compare(a.username, b.username) ||
      (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0),
  );
}

/** `held` with the people of `page` it lacks appended (a page fetched again may repeat some). */
export function mergeById<T extends { user_id: string }>(held: readonly T[], page: readonly T[]): T[] {
  const ids = new Set(held.map((p) => p.user_id));
  return [...held, ...page.filter((p) => !ids.has(p.user_id))];
}

/** The search text as a phone (E.164, spaces and dashes dropped) or an e-mail to look up, or undefined. */
export function lookupTarget(text: string): { phone: string } | { email: string } | undefined {
  const trimmed = text.trim();
  const phone = trimmed.replace(/[\s().-]/g, '');
  if (/^\+[1-9][0-9]{7,14}$/.test(phone)) return { phone };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed) && trimmed.length <= 254) return { email: trimmed };
  return undefined;
}

/** A message's reactions as the server keeps them: emoji → the users who reacted with it. */
export type Reactions = Record<string, string[]>;

/** One chip under a bubble: an emoji, how many chose it, and whether the user is among them. */
export type ReactionChip = { emoji: string; count: number; mine: boolean };

/** The chips, the most chosen first (ties keep the server's order); emoji nobody holds any more are left out. */
export function reactionChips(reactions: Reactions | undefined, me: string): ReactionChip[] {
  if (!reactions) return [];
  return Object.entries(reactions)
    .filter(([, users]) => users.length > 0)
    .map(([emoji, users]) => ({ emoji, count: users.length, mine: users.includes(me) }))
    .sort((a, b) => b.count - a.count);
}

/** The user's own reaction (one per user per message), if any. */
export function myReaction(reactions: Reactions | undefined, me: string): string | undefined {
  if (!reactions) return undefined;
  return Object.entries(reactions).find(([, users]) => users.includes(me))?.[0];
}

/** Who reacted with what, the user first, then in the chips' order: the "who reacted" list. */
export function reactionRows(reactions: Reactions | undefined, me: string): { user_id: string; emoji: string }[] {
  const rows = reactionChips(reactions, me).flatMap(({ emoji }) =>
    (reactions?.[emoji] ?? []).map((user_id) => ({ user_id, emoji })),
  );
  return [...rows.filter((r) => r.user_id === me), ...rows.filter((r) => r.user_id !== me)];
}

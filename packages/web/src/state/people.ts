import type { PapoClient } from '@papo/client';

export type Person = {
  user_id: string;
  username: string;
  avatar_url: string;
  /** undefined until known (from `GET /api/users/:id` or a presence event). */
  online?: boolean;
  last_seen?: number | null;
};

const RETRY_AFTER_MS = 15_000;

/**
 * Names, avatars and presence of the people the user meets, fetched once each and kept current by presence
 * events (which the server sends about everyone who shares a chat with the user).
 */
export class People {
  private readonly byId = new Map<string, Person>();
  private readonly fetching = new Set<string>();
  private readonly fetched = new Set<string>();

  constructor(
    private readonly client: PapoClient,
    private readonly changed: () => void,
  ) {}

  /** The person if known; asks the server once in the background if not. */
  get(userId: string): Person | undefined {
    if (!this.fetched.has(userId)) void this.fetch(userId);
    return this.byId.get(userId);
  }

  /** What a list already told us (a chat's title, the online list), without presence. */
  seed(userId: string, fields: Partial<Omit<Person, 'user_id'>>): void {
    const old = this.byId.get(userId);
    const next: Person = { user_id: userId, username: '', avatar_url: '', ...old };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && value !== '') (next as Record<string, unknown>)[key] = value;
    }
    if (old && JSON.stringify(old) === JSON.stringify(next)) return;
    this.byId.set(userId, next);
    this.changed();
  }

  /**
   * A person as a list with presence told it (GET /api/contacts): kept as a fetch's answer would be, so no
   * `GET /api/users/:id` follows for each; presence events keep it current from then on.
   */
  known(person: Person): void {
    this.fetched.add(person.user_id);
    this.seed(person.user_id, person);
  }

  presence(userId: string, online: boolean, lastSeen: number): void {
    this.seed(userId, { online, last_seen: lastSeen });
  }

  /** After a reconnect, presence events may have been missed: ask again for these users. */
  refreshPresence(userIds: string[]): void {
    for (const userId of new Set(userIds)) void this.fetch(userId);
  }

  /** Everyone known, as far as names and pictures go (presence is not kept: it is stale by the next load). */
  list(): Array<Pick<Person, 'user_id' | 'username' | 'avatar_url'>> {
    return [...this.byId.values()].map(({ user_id, username, avatar_url }) => ({ user_id, username, avatar_url }));
  }

  clear(): void {
    this.byId.clear();
    this.fetched.clear();
  }

  private async fetch(userId: string): Promise<void> {
    if (this.fetching.has(userId)) return;
    this.fetching.add(userId);
    try {
      const details = await this.client.user(userId);
      this.fetched.add(userId);
      this.byId.set(userId, { ...details });
      this.changed();
    } catch {
      // Offline or unknown: try again later rather than on every render.
      this.fetched.add(userId);
      setTimeout(() => this.fetched.delete(userId), RETRY_AFTER_MS);
    } finally {
      this.fetching.delete(userId);
    }
  }
}

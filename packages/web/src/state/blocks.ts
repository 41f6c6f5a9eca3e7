import type { PapoClient } from '@papo/client';

/** The users this user blocked (GET /api/blocks), kept by block and unblock. */
export class Blocks {
  private readonly ids = new Set<string>();

  constructor(
    private readonly client: PapoClient,
    private readonly changed: () => void,
  ) {}

  has(userId: string): boolean {
    return this.ids.has(userId);
  }

  async load(): Promise<void> {
    try {
      const users = await this.client.blocks();
      this.ids.clear();
      for (const user of users) this.ids.add(user.user_id);
      this.changed();
    } catch {
      // Loaded again at the next auth.
    }
  }

  async block(userId: string): Promise<void> {
    await this.client.block(userId);
    this.ids.add(userId);
    this.changed();
  }

  async unblock(userId: string): Promise<void> {
    await this.client.unblock(userId);
    this.ids.delete(userId);
    this.changed();
  }

  /** A block or unblock made on another device (or this one: the same again changes nothing). */
  apply(userId: string, blocked: boolean): void {
    if (blocked === this.ids.has(userId)) return;
    if (blocked) this.ids.add(userId);
    else this.ids.delete(userId);
    this.changed();
  }

  clear(): void {
    this.ids.clear();
  }
}

import type { PapoClient } from '@papo/client';
import type { ChatInfo } from '@papo/protocol';
import type { People } from './people';

const RETRY_AFTER_MS = 15_000;

/**
 * Groups' info (GET /api/chats/:chat_id: title, description, members with roles and presence), fetched when a
 * screen first asks for it and fetched again when a membership, role or info event says it changed. Members'
 * names and presence go to the people store, where presence events keep them current.
 */
export class GroupInfos {
  private readonly byId = new Map<string, ChatInfo>();
  private readonly fetching = new Set<string>();
  /** Asked for since the last answer came: fetched once more when the one in flight ends. */
  private readonly again = new Set<string>();
  private readonly failed = new Set<string>();

  constructor(
    private readonly client: PapoClient,
    private readonly people: People,
    private readonly changed: () => void,
  ) {}

  /** The group's info if held; asks the server once in the background if not. */
  get(chatId: string): ChatInfo | undefined {
    const held = this.byId.get(chatId);
    if (!held && !this.failed.has(chatId)) void this.fetch(chatId);
    return held;
  }

  /** The group's info if held, without asking the server. */
  peek(chatId: string): ChatInfo | undefined {
    return this.byId.get(chatId);
  }

  /** Something changed in the group: fetch it again if a screen has asked for it. */
  stale(chatId: string): void {
    if (this.byId.has(chatId) || this.fetching.has(chatId)) void this.fetch(chatId);
  }

  /** Changes already known (an event's title and description) applied at once, before any fetch. */
  patch(chatId: string, change: Partial<ChatInfo>): void {
    const held = this.byId.get(chatId);
    if (!held) return;
    this.byId.set(chatId, { ...held, ...change });
    this.changed();
  }

  clear(): void {
    this.byId.clear();
    this.failed.clear();
  }

  private async fetch(chatId: string): Promise<void> {
    if (this.fetching.has(chatId)) {
      this.again.add(chatId);
      return;
    }
    this.fetching.add(chatId);
    try {
      const info = await this.client.chatInfo(chatId);
      this.byId.set(chatId, info);
      for (const member of info.members ?? []) {
        this.people.known({
          user_id: member.user_id,
          username: member.username,
          avatar_url: member.avatar_url ?? '',
          online: member.online,
          last_seen: member.last_seen,
        });
      }
      this.changed();
    } catch {
      // Offline, or no longer a member: what is held stays; asked again later rather than on every render.
      this.failed.add(chatId);
      setTimeout(() => this.failed.delete(chatId), RETRY_AFTER_MS);
    } finally {
      this.fetching.delete(chatId);
      if (this.again.delete(chatId)) void this.fetch(chatId);
    }
  }
}

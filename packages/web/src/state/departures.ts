import type { ChatItem } from './chats';

type Departure = { reason: 'removed' | 'left'; by: string };

/**
 * Groups the user was removed from or left, this session. The server lists them no more; they stay in the
 * list and open, read-only, with what was loaded, until the page is reloaded or the user is in again.
 */
export class Departures {
  private readonly gone = new Map<string, Departure>();

  /** Removed (`by` who) or left (`by` the user). */
  mark(chatId: string, chat: ChatItem | undefined, reason: Departure['reason'], by: string): void {
    this.gone.set(chatId, { reason, by });
    if (chat) {
      chat.gone = reason;
      chat.goneBy = by;
    }
  }

  /** In the group again (added back, or joined by a link); false when the user had not left it. */
  back(chatId: string, chat: ChatItem | undefined): boolean {
    if (!this.gone.delete(chatId)) return false;
    if (chat) {
      delete chat.gone;
      delete chat.goneBy;
    }
    return true;
  }

  /**
   * After a refresh of the list (`next`, from `old`): the groups left stay, marked, taken from the old list
   * when the server no longer lists them. An open group the complete list lacks was left while this client
   * was away (no chat_removed came): it counts as removed, by someone unknown.
   */
  keep(next: Map<string, ChatItem>, old: Map<string, ChatItem>, openChatId: string | null, complete: boolean): void {
    const open = openChatId ? old.get(openChatId) : undefined;
    if (complete && open?.kind === 'group' && !open.gone && !next.has(open.chat_id)) {
      this.gone.set(open.chat_id, { reason: 'removed', by: '' });
    }
    for (const [chatId, { reason, by }] of this.gone) {
      const held = next.get(chatId) ?? old.get(chatId);
      if (held) next.set(chatId, { ...held, gone: reason, goneBy: by });
    }
  }

  clear(): void {
    this.gone.clear();
  }
}

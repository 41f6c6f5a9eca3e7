import { TIMINGS } from '@papo/protocol';

/** Shown "typing…" is dropped after this without a new `typing: true` (the server's key TTL). */
const TYPING_SHOWN_MS = TIMINGS.typingTtlSeconds * 1000;

/** Who is typing in which chat: set by `typing` events, cleared by `false`, a message, or 5 s of silence. */
export class TypingTracker {
  private readonly chats = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();

  constructor(private readonly changed: () => void) {}

  set(chatId: string, userId: string, isTyping: boolean): void {
    let users = this.chats.get(chatId);
    const timer = users?.get(userId);
    if (timer) clearTimeout(timer);
    if (!isTyping) {
      if (!timer) return;
      users?.delete(userId);
      if (users?.size === 0) this.chats.delete(chatId);
      this.changed();
      return;
    }
    if (!users) {
      users = new Map();
      this.chats.set(chatId, users);
    }
    users.set(
      userId,
      setTimeout(() => this.set(chatId, userId, false), TYPING_SHOWN_MS),
    );
    if (!timer) this.changed();
  }

  /** User ids typing in a chat now. */
  in(chatId: string): string[] {
    return [...(this.chats.get(chatId)?.keys() ?? [])];
  }

  /** Nobody is shown typing in this chat any more (the user is no longer in it). */
  clearChat(chatId: string): void {
    const users = this.chats.get(chatId);
    if (!users) return;
    for (const timer of users.values()) clearTimeout(timer);
    this.chats.delete(chatId);
    this.changed();
  }

  clear(): void {
    for (const users of this.chats.values()) for (const timer of users.values()) clearTimeout(timer);
    this.chats.clear();
  }
}

/**
 * The typing helper: `is_typing: true` at most every `throttleMs` while the user types, `false` after
 * `idleMs` without a keystroke, or at once when they send.
 */
export class TypingNotifier {
  private readonly chats = new Map<string, { lastTrueAt: number; idle: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly sendTyping: (chatId: string, isTyping: boolean) => void,
    private readonly throttleMs: number,
    private readonly idleMs: number,
    private readonly now = () => Date.now(),
  ) {}

  keystroke(chatId: string): void {
    const state = this.chats.get(chatId);
    const now = this.now();
    if (state) clearTimeout(state.idle);
    let lastTrueAt = state?.lastTrueAt ?? Number.NEGATIVE_INFINITY;
    if (now - lastTrueAt >= this.throttleMs) {
      this.sendTyping(chatId, true);
      lastTrueAt = now;
    }
    const idle = setTimeout(() => this.stop(chatId), this.idleMs);
    this.chats.set(chatId, { lastTrueAt, idle });
  }

  /** Stopped typing (sent, left the chat, or idle): `false` if `true` was the last thing said. */
  stop(chatId: string): void {
    const state = this.chats.get(chatId);
    if (!state) return;
    clearTimeout(state.idle);
    this.chats.delete(chatId);
    this.sendTyping(chatId, false);
  }

  /** Forget everything without sending (the connection is gone; the server clears typing itself). */
  reset(): void {
    for (const state of this.chats.values()) clearTimeout(state.idle);
    this.chats.clear();
  }
}

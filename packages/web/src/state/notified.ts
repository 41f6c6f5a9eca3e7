/**
 * Which messages of others the page has still to notify (sound, the hidden tab's notification), each once.
 *
 * A message reaches the page by one of two ways, in either order: the SDK's `message` event, or the chat list
 * naming it as a chat's last message. The list can come first (the page asked for it just after the message was
 * stored, and the live event follows), and the SDK drops a live event the list already placed; a new chat's
 * first message comes before the chat is in the list. So both ways ask here, and whichever comes first
 * notifies.
 *
 * What the first complete chat list of a session finds is not news: the server pushed it, or the user saw it
 * elsewhere. Notifying starts after it, so a tab opening (or restored hidden by the browser) stays quiet.
 */
export class Notified {
  /** Per chat, the highest message id that no longer notifies. */
  private upTo = new Map<string, number>();
  private started = false;

  /** A page of the server's chat list: while the first list is coming, what it holds is where notifying starts. */
  listed(chats: Array<{ chat_id: string; last_message?: { id: number } }>, complete: boolean): void {
    if (this.started) return;
    for (const chat of chats) this.raise(chat.chat_id, chat.last_message?.id ?? 0);
    if (complete) this.started = true;
  }

  /** Whether this message is news to notify now; from then on it is not (nor anything older in its chat). */
  take(chatId: string, messageId: number): boolean {
    if (!this.started || messageId <= (this.upTo.get(chatId) ?? 0)) return false;
    this.upTo.set(chatId, messageId);
    return true;
  }

  /** The session ended: the next one starts quiet again. */
  clear(): void {
    this.upTo.clear();
    this.started = false;
  }

  private raise(chatId: string, messageId: number): void {
    if (messageId > (this.upTo.get(chatId) ?? 0)) this.upTo.set(chatId, messageId);
  }
}

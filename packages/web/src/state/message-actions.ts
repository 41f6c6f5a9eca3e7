import type { ChatMessage, PapoClient } from '@papo/client';

/** What the composer is doing besides writing a new message: answering one, or changing an own one. */
export type ComposeMode = { kind: 'reply'; message: ChatMessage } | { kind: 'edit'; message: ChatMessage };

/**
 * Reply, edit, delete, react and forward as the screens use them, and what the composer of each chat is doing
 * (a reply or an edit stays with its chat while the user looks at another, as a draft does).
 */
export class MessageActions {
  private readonly modes = new Map<string, ComposeMode>();

  constructor(
    private readonly client: PapoClient,
    private readonly changed: () => void,
  ) {}

  mode(chatId: string): ComposeMode | undefined {
    return this.modes.get(chatId);
  }

  setMode(chatId: string, mode: ComposeMode | null): void {
    if (mode) this.modes.set(chatId, mode);
    else this.modes.delete(chatId);
    this.changed();
  }

  /** A message changed (edited, deleted): a reply or an edit of it follows, or ends when it is gone. */
  updated(message: ChatMessage): void {
    const mode = this.modes.get(message.chat_id);
    if (!mode || mode.message.id !== message.id) return;
    if (message.deleted) this.modes.delete(message.chat_id);
    else this.modes.set(message.chat_id, { ...mode, message });
  }

  send(chatId: string, body: string, options: { replyTo?: number; mentions?: string[] }): void {
    this.client.send(chatId, body, options);
  }

  forward(message: ChatMessage, chatIds: string[]): void {
    for (const chatId of chatIds) this.client.forward(chatId, { chat_id: message.chat_id, message_id: message.id });
  }

  async edit(message: ChatMessage, body: string): Promise<void> {
    await this.client.editMessage(message.chat_id, message.id, body);
  }

  async remove(message: ChatMessage): Promise<void> {
    await this.client.deleteMessage(message.chat_id, message.id);
  }

  async react(message: ChatMessage, emoji: string): Promise<void> {
    await this.client.react(message.chat_id, message.id, emoji);
  }

  clear(): void {
    this.modes.clear();
  }
}

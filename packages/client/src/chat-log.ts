import type { Message } from '@papo/protocol';
import type { ChatMessage } from './types.js';

/** Changed messages whose newest state a log remembers (see `changed`). */
const MAX_CHANGED = 2000;

/**
 * One chat's messages as the client holds them, and its position in the chat's sequence. Live messages are
 * released strictly in id order: one that skips ids is held until the gap is fetched.
 */
export class ChatLog {
  /** Held messages, ascending by id (history pages and live ones). */
  readonly messages: ChatMessage[] = [];
  private readonly ids = new Set<number>();
  /** Highest id accounted for: released live, or known to exist as history. undefined: not known yet. */
  position: number | undefined;
  /** Live messages beyond a gap, waiting for it to be filled. */
  private readonly waiting = new Map<number, Message>();
  /** True once history reaches the chat's first message. */
  atStart = false;
  /** The chat's kind, once known (the chat list, chat_created, dm_ready…): public chats have no ticks. */
  kind: 'dm' | 'public' | 'group' | undefined;
  /** The chat's lowest received and read marks (chat_receipts): every member has the messages up to them. */
  receivedId = 0;
  readId = 0;
  /** A sync for the gap is in flight. */
  filling = false;
  /**
   * The chat's last change id this log reflects (contract section 11): every change up to it is applied.
   * undefined: not known yet (the chat list or a `message_updated` tells it).
   */
  changeId: number | undefined;
  /** A live change id that skipped ids (changes may have been missed): syncs ask for changes until past it. */
  changesGapAt: number | undefined;
  /**
   * The newest state learnt of each changed message, with the change id it stands at: a copy older than it (a
   * page read before the change, a sync's update older than a live event) never replaces it.
   */
  private readonly changed = new Map<number, { changeId: number; message: Message }>();

  constructor(readonly chatId: string) {}

  get oldestId(): number | undefined {
    return this.messages[0]?.id;
  }

  /** Highest id seen beyond a gap (what the gap fill must reach). */
  get highestWaiting(): number {
    let max = 0;
    for (const id of this.waiting.keys()) max = Math.max(max, id);
    return max;
  }

  /**
   * A live (or synced) message. Returns the messages now released in order: none when it is a duplicate or
   * beyond a gap (then `gap` is true and the caller fetches what is missing).
   */
  accept(message: Message): { released: ChatMessage[]; gap: boolean } {
    if (this.position === undefined) this.position = message.id - 1;
    if (message.id <= this.position) {
      // Known already, or older than where live delivery began: history, shown when paged in.
      return { released: [], gap: false };
    }
    if (message.id > this.position + 1) {
      this.waiting.set(message.id, message);
      return { released: [], gap: true };
    }
    const released = [this.hold(message)];
    this.position = message.id;
    for (let next = this.waiting.get(this.position + 1); next; next = this.waiting.get(this.position + 1)) {
      this.waiting.delete(next.id);
      released.push(this.hold(next));
      this.position = next.id;
    }
    return { released, gap: this.waiting.size > 0 };
  }

  /** Messages after the chat's first kept id when older ones were trimmed away: skip to them. */
  skipTo(firstAvailableId: number): void {
    if (this.position !== undefined && this.position < firstAvailableId - 1) this.position = firstAvailableId - 1;
    for (const id of this.waiting.keys())
      if (this.position !== undefined && id <= this.position) this.waiting.delete(id);
  }

  /** Older messages paged in (not released as new: they are history). */
  prepend(page: Message[]): ChatMessage[] {
    const added = page.filter((m) => !this.ids.has(m.id)).map((m) => ({ ...this.current(m), chat_id: this.chatId }));
    for (const m of added) this.ids.add(m.id);
    this.messages.unshift(...added);
    this.messages.sort((a, b) => a.id - b.id);
    if (this.position === undefined && added.length > 0) this.position = this.messages.at(-1)!.id;
    return added;
  }

  /**
   * A message as it stands at change `changeId` (a live `message_updated`, or a sync's update). Returns the held
   * message replaced, the message as it now stands when not held, or undefined when a newer state is known.
   */
  update(message: Message, changeId: number): ChatMessage | undefined {
    const known = this.changed.get(message.id);
    if (known && known.changeId >= changeId) return undefined;
    this.changed.delete(message.id);
    this.changed.set(message.id, { changeId, message });
    // Only the latest states are worth keeping: older ones have reached the held messages already.
    if (this.changed.size > MAX_CHANGED) this.changed.delete(this.changed.keys().next().value as number);
    const held: ChatMessage = { ...message, chat_id: this.chatId };
    const at = this.indexOf(message.id);
    if (at >= 0) this.messages[at] = held;
    return held;
  }

  /** The changes since `changeId` are lost (`changes_reset`): what was learnt before says nothing any more. */
  forgetChanges(): void {
    this.changed.clear();
  }

  /** A held message replaced by a copy read again (a refetch after `changes_reset`), unless a newer is known. */
  refresh(message: Message): ChatMessage | undefined {
    const at = this.indexOf(message.id);
    if (at < 0 || this.changed.has(message.id)) return undefined;
    const held: ChatMessage = { ...message, chat_id: this.chatId };
    this.messages[at] = held;
    return held;
  }

  private indexOf(id: number): number {
    if (!this.ids.has(id)) return -1;
    // Messages are in id order: search from the end, where changes mostly happen.
    for (let i = this.messages.length - 1; i >= 0; i--) if (this.messages[i]!.id === id) return i;
    return -1;
  }

  /** A copy of a message (live, or a page), in its newest known state. */
  private current(message: Message): Message {
    return this.changed.get(message.id)?.message ?? message;
  }

  private hold(incoming: Message): ChatMessage {
    const message = this.current(incoming);
    const held: ChatMessage = { ...message, chat_id: this.chatId };
    if (!this.ids.has(message.id)) {
      this.ids.add(message.id);
      this.messages.push(held);
    }
    return held;
  }
}

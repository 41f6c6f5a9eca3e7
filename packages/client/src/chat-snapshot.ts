import type { Message } from '@papo/protocol';
import type { ChatLog } from './chat-log.js';

/**
 * What a client keeps of one chat across page loads (an app's cache): where the chat's log stood and its
 * newest messages. Restored before connecting, the chat catches up with `sync after_id` from `position` (and
 * the changes after `change_id`) instead of being placed again from the chat list.
 */
export type ChatSnapshot = {
  chat_id: string;
  kind?: 'dm' | 'public' | 'group';
  /** Highest id the log accounted for. */
  position: number;
  /** The last change id the messages reflect (undefined: not known). */
  change_id?: number;
  /** The chat's lowest received and read marks (own messages' ticks). */
  received_id: number;
  read_id: number;
  /** The newest messages held, ascending by id. */
  messages: Message[];
};

/** The log's state with its newest `limit` messages; undefined while its position is not known. */
export function snapshotOf(log: ChatLog, limit: number): ChatSnapshot | undefined {
  if (log.position === undefined) return undefined;
  // Only messages up to the position: those beyond are not accounted for (none are held there: kept for clarity).
  const messages = log.messages.filter((m) => m.id <= log.position!).slice(-limit);
  return {
    chat_id: log.chatId,
    ...(log.kind ? { kind: log.kind } : {}),
    position: log.position,
    ...(log.changeId === undefined ? {} : { change_id: log.changeId }),
    received_id: log.receivedId,
    read_id: log.readId,
    messages: messages.map(({ chat_id: _chat, state: _state, ...message }) => message),
  };
}

/**
 * Puts a snapshot back into a log that knows nothing yet (a log already placed or holding messages is newer
 * than any snapshot, and is left alone). Returns whether it was restored.
 */
export function restoreInto(log: ChatLog, snapshot: ChatSnapshot): boolean {
  if (log.position !== undefined || log.messages.length > 0) return false;
  log.prepend(snapshot.messages.filter((m) => m.id <= snapshot.position));
  log.position = snapshot.position;
  if (snapshot.change_id !== undefined) log.changeId = snapshot.change_id;
  if (snapshot.kind) log.kind = snapshot.kind;
  log.receivedId = Math.max(log.receivedId, snapshot.received_id, snapshot.read_id);
  log.readId = Math.max(log.readId, snapshot.read_id);
  return true;
}

import type { ChatSummary, Message, Role } from '@papo/protocol';

/** A chat in the list, with what the UI needs beyond the server's summary. */
export type ChatItem = {
  chat_id: string;
  kind: 'dm' | 'public' | 'group';
  title: string;
  peer_user_id?: string;
  /** A group's: the user's role in it. */
  role?: Role;
  member_count?: number;
  /**
   * A group the user is no longer in (removed, or left): it stays in the list and open, read-only, with what
   * was loaded, until the page is reloaded.
   */
  gone?: 'removed' | 'left';
  /** Who removed the user ('' when not known: removed while this client was away), or the user who left. */
  goneBy?: string;
  last_message?: Message;
  muted_until: number;
  /** The server's unread count at the last refresh, for messages up to `serverLastId`. */
  serverUnread: number;
  serverLastId: number;
  /** Ids of others' messages that arrived live, past `serverLastId`, not read yet. */
  localUnread: Set<number>;
  /** The newest message that mentions the user (the list's "@" while it is unread). */
  mentionedId?: number;
  /** Highest id this user has read (here or on another device). */
  readUpTo: number;
  /** Local activity time (Unix s): joined or created here, before any message. */
  touchedAt: number;
  /** Position in the server's list (most recently active first), the tie-breaker. */
  serverOrder: number;
  /** A group's or public chat's picture (`/api/media/…`), when it has one. */
  avatar_url?: string;
};

/**
 * The chat list after a refresh from `GET /api/chats`: the server's summaries, keeping what only this client
 * knows (newer live messages, unread ids past the server's count, reads, local activity). The list comes in
 * pages: until the last has come (`complete` false), chats not in the summaries so far are kept as they were.
 */
export function mergeChats(
  old: Map<string, ChatItem>,
  summaries: ChatSummary[],
  complete = true,
): Map<string, ChatItem> {
  const next = new Map<string, ChatItem>();
  summaries.forEach((summary, index) => {
    const before = old.get(summary.chat_id);
    const serverLastId = summary.last_message?.id ?? 0;
    const newer = before?.last_message && before.last_message.id > serverLastId ? before.last_message : undefined;
    const lastMessage = newer ?? summary.last_message;
    next.set(summary.chat_id, {
      chat_id: summary.chat_id,
      kind: summary.kind,
      title: summary.title,
      ...(summary.peer_user_id ? { peer_user_id: summary.peer_user_id } : {}),
      ...(summary.role ? { role: summary.role } : {}),
      ...(summary.member_count === undefined ? {} : { member_count: summary.member_count }),
      ...(summary.avatar_url ? { avatar_url: summary.avatar_url } : {}),
      ...(lastMessage ? { last_message: lastMessage } : {}),
      muted_until: summary.muted_until,
      serverUnread: summary.unread_count,
      serverLastId,
      localUnread: new Set([...(before?.localUnread ?? [])].filter((id) => id > serverLastId)),
      readUpTo: Math.max(before?.readUpTo ?? 0, serverLastId - summary.unread_count),
      ...mentioned(before?.mentionedId, summary.mentioned_id),
      touchedAt: before?.touchedAt ?? 0,
      serverOrder: index,
    });
  });
  if (!complete) for (const [chatId, chat] of old) if (!next.has(chatId)) next.set(chatId, chat);
  return next;
}

function mentioned(local: number | undefined, server: number | undefined): { mentionedId?: number } {
  const id = Math.max(local ?? 0, server ?? 0);
  return id > 0 ? { mentionedId: id } : {};
}

/** Whether a message mentioning the user is still unread: the list shows "@". */
export function mentionUnread(chat: ChatItem): boolean {
  return (chat.mentionedId ?? 0) > chat.readUpTo;
}

/** The server's count for what it knew of, less what was read since, plus what arrived live since. */
export function unreadCount(chat: ChatItem): number {
  const server = Math.max(0, Math.min(chat.serverUnread, chat.serverLastId - chat.readUpTo));
  let local = 0;
  for (const id of chat.localUnread) if (id > chat.readUpTo && id > chat.serverLastId) local++;
  return server + local;
}

/** Sort key of the chat list: the last message's time, or when the chat was joined or created here. */
export function activity(chat: ChatItem): number {
  return Math.max(chat.last_message?.created_at ?? 0, chat.touchedAt);
}

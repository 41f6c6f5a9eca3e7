import type { ChatSummary } from '@papo/protocol';
import { describe, expect, it } from 'vitest';
import { mentionUnread, mergeChats, unreadCount } from '../src/state/chats';

function summary(lastId: number, unread: number): ChatSummary {
  return {
    chat_id: 'c1',
    kind: 'public',
    title: 'Geral',
    last_message: { id: lastId, sender_id: 'u2', body: `m${lastId}`, msg_type: 'text', created_at: 1000 + lastId },
    unread_count: unread,
    muted_until: 0,
    received_id: 0,
    read_id: 0,
  };
}

describe('unread counts across refreshes and live messages', () => {
  it('counts the server’s unread, then each live message once, and nothing after a read', () => {
    let chats = mergeChats(new Map(), [summary(10, 3)]);
    const chat = () => chats.get('c1')!;
    expect(chat().readUpTo).toBe(7);
    expect(unreadCount(chat())).toBe(3);

    // Two messages arrive live; a refresh that already knows the first must not count it twice.
    chat().localUnread.add(11);
    chat().localUnread.add(12);
    chat().last_message = { ...summary(12, 0).last_message! };
    expect(unreadCount(chat())).toBe(5);
    chats = mergeChats(chats, [summary(11, 4)]);
    expect(unreadCount(chat())).toBe(5);
    expect(chat().last_message?.id).toBe(12); // the newer live message stays the preview

    // Read up to 12 (here or on another device).
    chat().readUpTo = 12;
    expect(unreadCount(chat())).toBe(0);
    chats = mergeChats(chats, [summary(12, 0)]);
    expect(unreadCount(chat())).toBe(0);
  });

  it('a partial read leaves the rest unread', () => {
    const chats = mergeChats(new Map(), [summary(10, 5)]);
    const chat = chats.get('c1')!;
    chat.readUpTo = 8;
    expect(unreadCount(chat)).toBe(2);
  });
});

describe('the chat list’s "@"', () => {
  it('shows while the newest message mentioning the user is unread, from the server or live', () => {
    let chats = mergeChats(new Map(), [{ ...summary(10, 3), mentioned_id: 9 }]);
    const chat = () => chats.get('c1')!;
    expect(mentionUnread(chat())).toBe(true);
    // Read up to it: gone, also after a refresh that still names it.
    chat().readUpTo = 10;
    expect(mentionUnread(chat())).toBe(false);
    chats = mergeChats(chats, [{ ...summary(10, 0), mentioned_id: 9 }]);
    expect(mentionUnread(chat())).toBe(false);
    // A live mention, past what the server told.
    chat().mentionedId = 12;
    chats = mergeChats(chats, [summary(11, 1)]);
    expect(mentionUnread(chat())).toBe(true);
  });
});

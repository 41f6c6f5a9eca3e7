import type { ChatSummary, Message, PublicChatSummary, Role } from '@papo/protocol';
import { createContactList } from './contacts.js';
import { readAll, type StoreContext } from './store.js';

/** One page of a list and the cursor of the next (undefined at the end). */
export type Page<T> = { items: T[]; nextCursor: string | undefined };

/** A page script's reply: the page's ids, then the next cursor ('' at the end). */
function pageOf(reply: unknown): { ids: string[]; nextCursor: string | undefined } {
  const ids = [...(reply as string[])];
  const next = ids.pop();
  return { ids, nextCursor: next ? next : undefined };
}

/**
 * The lists the HTTP routes page through: a user's chats (GET /api/chats), the public chats (GET
 * /api/chats/public) and the people one shares a chat with (GET /api/contacts, contacts.ts, bounded its own
 * way). A chat page's cost is bounded by its size: one script to find the page's ids in the list's index
 * (chat-list-page.lua, public-chats-page.lua), then a fixed number of commands per chat whatever the chat's
 * size (chat-summary.lua: counts by SCARD, no member's mark read but the caller's own).
 */
export function createChatLists(context: StoreContext) {
  const { redis, run, keys } = context;
  return {
    ...createContactList(context),

    /** A page of the caller's chats (in chat id order across pages), the most recently active first within it. */
    async summaries(me: string, cursor: string | undefined, limit: number): Promise<Page<ChatSummary>> {
      const { ids, nextCursor } = pageOf(
        await run('chat-list-page', [keys.userChats(me), keys.userChatsIndex(me)], [cursor ?? '', limit]),
      );
      const rows = (await Promise.all(
        ids.map((id) =>
          run(
            'chat-summary',
            [
              keys.chat(id),
              keys.members(id),
              keys.messages(id),
              keys.reads(id),
              keys.mute(id),
              keys.roles(id),
              keys.systemIds(id),
              keys.mentions(id),
            ],
            [me],
          ),
        ),
      )) as unknown[][];
      const draft: { summary: ChatSummary; activity: number }[] = [];
      rows.forEach((row, i) => {
        // A chat that no longer exists (nothing deletes chats today; kept for safety) is left out.
        if (row.length === 0) return;
        const [
          kind,
          title,
          lastId,
          createdAt,
          count,
          peer,
          lastRaw,
          read,
          mutedUntil,
          role,
          system,
          receivedId,
          readId,
          changeId,
          mentionedId,
          avatarUrl,
        ] = row as [
          string,
          string,
          number,
          number,
          number,
          string,
          string,
          number,
          number,
          string,
          number,
          number,
          number,
          number,
          number,
          string,
        ];
        const lastMessage = lastRaw ? (JSON.parse(lastRaw) as Message) : undefined;
        draft.push({
          summary: {
            chat_id: ids[i]!,
            kind: kind === 'dm' || kind === 'group' ? kind : 'public',
            title,
            ...(kind === 'group' ? { role: role as Role } : {}),
            ...(peer ? { peer_user_id: peer } : {}),
            ...(lastMessage ? { last_message: lastMessage } : {}),
            ...(kind !== 'dm' ? { member_count: Number(count) } : {}),
            // A group's system messages and deleted messages are not unread.
            unread_count: Math.max(0, Number(lastId) - Number(read) - Number(system ?? 0)),
            muted_until: Number(mutedUntil),
            received_id: Number(receivedId),
            read_id: Number(readId),
            change_id: Number(changeId ?? 0),
            ...(Number(mentionedId) > 0 ? { mentioned_id: Number(mentionedId) } : {}),
            ...(avatarUrl ? { avatar_url: avatarUrl } : {}),
          },
          activity: lastMessage?.created_at ?? Number(createdAt),
        });
      });
      // A DM's title is the peer's username.
      const dms = draft.filter((d) => d.summary.peer_user_id);
      const names = await readAll(
        redis,
        dms.map((d) => ['hget', keys.user(d.summary.peer_user_id!), 'username']),
      );
      dms.forEach((d, i) => {
        d.summary.title = (names[i] as string | null) ?? '';
      });
      draft.sort((a, b) => b.activity - a.activity);
      return { items: draft.map((d) => d.summary), nextCursor };
    },

    /** A page of the public chats, the most recently created first. */
    async publicChats(cursor: string | undefined, limit: number): Promise<Page<PublicChatSummary>> {
      const { ids, nextCursor } = pageOf(
        await run('public-chats-page', [keys.publicChats, keys.publicChatsIndex], [cursor ?? '', limit]),
      );
      const rows = await readAll(
        redis,
        ids.flatMap((id) => [
          ['hget', keys.chat(id), 'title'],
          ['scard', keys.members(id)],
        ]),
      );
      const items = ids.map((chatId, i) => ({
        chat_id: chatId,
        title: (rows[i * 2] as string | null) ?? '',
        member_count: Number(rows[i * 2 + 1] ?? 0),
      }));
      return { items, nextCursor };
    },
  };
}

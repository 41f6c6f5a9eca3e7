import type { ChatSummary, Message, PublicChatSummary } from '@papo/protocol';
import { newChatId } from './ids.js';
import { okOrThrow, type StoreContext } from './store.js';

/** Chats: creation, membership, per-member state, and the summaries the HTTP routes list. */
export function createChatStore({ redis, run, keys, config }: StoreContext) {
  const chatLimit = [config.chatsPerHour, 3600] as const;
  return {
    /** The one DM of a pair, created if missing; `created` tells whether this call made it. */
    async createDm(me: string, peer: string, connId: string): Promise<{ chatId: string; created: boolean }> {
      const chatId = newChatId();
      const [id, created] = okOrThrow(
        await run(
          'create-dm',
          [
            keys.dm(me, peer),
            keys.user(peer),
            keys.userChats(me),
            keys.userChats(peer),
            keys.chat(chatId),
            keys.members(chatId),
            keys.rateChats(me),
          ],
          [me, peer, chatId, keys.userChannel(me), keys.userChannel(peer), connId, ...chatLimit],
        ),
      );
      return { chatId: String(id), created: created === 1 };
    },

    async createPublicChat(me: string, title: string, connId: string): Promise<string> {
      const chatId = newChatId();
      const event = JSON.stringify({ type: 'chat_created', chat_id: chatId, title });
      okOrThrow(
        await run(
          'create-public-chat',
          [keys.chat(chatId), keys.members(chatId), keys.userChats(me), keys.publicChats, keys.rateChats(me)],
          [me, chatId, title, keys.userChannel(me), connId, event, ...chatLimit],
        ),
      );
      return chatId;
    },

    /** Join a public chat; returns whether the user was added and the chat's last id at that moment. */
    async joinChat(me: string, chatId: string, connId: string): Promise<{ added: boolean; lastId: number }> {
      const [added, lastId] = okOrThrow(
        await run(
          'join-chat',
          [keys.chat(chatId), keys.members(chatId), keys.userChats(me), keys.reads(chatId)],
          [
            me,
            chatId,
            keys.chatChannel(chatId),
            keys.userChannel(me),
            connId,
            JSON.stringify({ type: 'chat_member_added', chat_id: chatId, user_id: me }),
            JSON.stringify({ type: 'joined', chat_id: chatId }),
            config.maxPublicChatMembers,
          ],
        ),
      );
      return { added: added === 1, lastId: Number(lastId) };
    },

    async leaveChat(me: string, chatId: string, connId: string): Promise<void> {
      okOrThrow(
        await run(
          'leave-chat',
          [keys.chat(chatId), keys.members(chatId), keys.userChats(me), keys.typing(chatId, me)],
          [
            me,
            chatId,
            keys.chatChannel(chatId),
            keys.userChannel(me),
            connId,
            JSON.stringify({ type: 'chat_member_removed', chat_id: chatId, user_id: me }),
            JSON.stringify({ type: 'left', chat_id: chatId }),
          ],
        ),
      );
    },

    async muteChat(me: string, chatId: string, until: number, connId: string): Promise<void> {
      okOrThrow(
        await run(
          'mute-chat',
          [keys.chat(chatId), keys.members(chatId), keys.mute(chatId)],
          [me, until, keys.userChannel(me), connId, JSON.stringify({ type: 'chat_muted', chat_id: chatId, until })],
        ),
      );
    },

    async typing(me: string, chatId: string, isTyping: boolean, ttlSeconds: number): Promise<void> {
      okOrThrow(
        await run(
          'typing',
          [keys.chat(chatId), keys.members(chatId), keys.typing(chatId, me)],
          [
            me,
            isTyping ? '1' : '0',
            ttlSeconds,
            keys.chatChannel(chatId),
            JSON.stringify({ type: 'typing', chat_id: chatId, user_id: me, is_typing: isTyping }),
          ],
        ),
      );
    },

    async readReceipt(me: string, chatId: string, messageId: number): Promise<void> {
      okOrThrow(
        await run(
          'read-receipt',
          [keys.chat(chatId), keys.members(chatId), keys.reads(chatId)],
          [me, messageId, chatId, keys.chatChannel(chatId)],
        ),
      );
    },

    /** The caller's chats for the chat list, the most recently active first. */
    async summaries(me: string): Promise<ChatSummary[]> {
      const chatIds = await redis.smembers(keys.userChats(me));
      if (chatIds.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of chatIds) {
        pipeline.hmget(keys.chat(id), 'kind', 'title', 'last_id', 'created_at');
        pipeline.smembers(keys.members(id));
        pipeline.lindex(keys.messages(id), -1);
        pipeline.hgetall(keys.reads(id));
        pipeline.hget(keys.mute(id), me);
      }
      const rows = (await pipeline.exec()) ?? [];
      const values = rows.map(([err, value]) => {
        if (err) throw err;
        return value;
      });
      const peers: string[] = [];
      const draft = chatIds.map((chatId, i) => {
        const [kind, title, lastId, createdAt] = values[i * 5] as (string | null)[];
        const members = values[i * 5 + 1] as string[];
        const lastRaw = values[i * 5 + 2] as string | null;
        const reads = (values[i * 5 + 3] ?? {}) as Record<string, string>;
        const read = Number(reads[me] ?? 0);
        let othersRead = 0;
        for (const [userId, upTo] of Object.entries(reads))
          if (userId !== me) othersRead = Math.max(othersRead, Number(upTo));
        const mutedUntil = Number(values[i * 5 + 4] ?? 0);
        const peer = kind === 'dm' ? members.find((m) => m !== me) : undefined;
        if (peer) peers.push(peer);
        const lastMessage = lastRaw ? (JSON.parse(lastRaw) as Message) : undefined;
        return {
          summary: {
            chat_id: chatId,
            kind: kind === 'dm' ? 'dm' : 'public',
            title: title ?? '',
            ...(peer ? { peer_user_id: peer } : {}),
            ...(lastMessage ? { last_message: lastMessage } : {}),
            ...(kind === 'public' ? { member_count: members.length } : {}),
            unread_count: Math.max(0, Number(lastId ?? 0) - read),
            muted_until: mutedUntil,
            others_read_id: othersRead,
          } satisfies ChatSummary,
          activity: lastMessage?.created_at ?? Number(createdAt ?? 0),
          exists: kind !== null,
        };
      });
      if (peers.length > 0) {
        const names = await redis.pipeline(peers.map((p) => ['hget', keys.user(p), 'username'])).exec();
        const byPeer = new Map(peers.map((p, i) => [p, (names?.[i]?.[1] as string | null) ?? '']));
        for (const { summary } of draft)
          if (summary.peer_user_id) summary.title = byPeer.get(summary.peer_user_id) ?? '';
      }
      return draft
        .filter((d) => d.exists)
        .sort((a, b) => b.activity - a.activity)
        .map((d) => d.summary);
    },

    async publicChats(): Promise<PublicChatSummary[]> {
      const chatIds = await redis.smembers(keys.publicChats);
      if (chatIds.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of chatIds) pipeline.hget(keys.chat(id), 'title').scard(keys.members(id));
      const rows = (await pipeline.exec()) ?? [];
      return chatIds
        .map((chatId, i) => ({
          chat_id: chatId,
          title: (rows[i * 2]?.[1] as string | null) ?? '',
          member_count: Number(rows[i * 2 + 1]?.[1] ?? 0),
        }))
        .sort((a, b) => b.member_count - a.member_count || a.title.localeCompare(b.title));
    },
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;

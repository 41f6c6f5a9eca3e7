import type { ChatSummary, Message, PublicChatSummary } from '@papo/protocol';
import { newChatId } from './ids.js';
import { countHit, okOrThrow, type ReadCommand, readAll, type StoreContext } from './store.js';

/**
 * Chats: creation, membership, per-member state, and the summaries the HTTP routes list.
 *
 * A chat's own keys live in its slot; a user's chat list and the rate counters each in another. So creating,
 * joining and leaving are steps (one script or command each, never across slots), ordered so that a crash
 * between two leaves nothing a user can trip on and a retry of the same action finishes the job:
 * - the chat's side first (record, members, chat events), then the user's list (user-chat.lua, which also
 *   tells the user's connections); a member missing from their own list is put back by the next join;
 * - a DM is claimed by its pair key (SET NX) before anything else, so two racing calls get one chat, and every
 *   call re-runs the idempotent steps after the claim: a DM half-made by a crash is finished by the next call;
 * - a public chat is listed in chats:public last: until then nobody else can find it.
 */
export function createChatStore({ redis, run, keys, config }: StoreContext) {
  /** Counts a new chat against the creator's limit; throws rate_limited past it. */
  function countNewChat(me: string): Promise<void> {
    return countHit(run, keys.rateChats(me), config.chatsPerHour, 3600, 'new chats');
  }

  /** Adds the chat to the user's list and, when it was not there, attaches their connections (but `skipConn`). */
  function listChat(userId: string, chatId: string, lastId: number, event: string, skipConn?: string) {
    const header = `u+${chatId}@${lastId}${skipConn ? ` !${skipConn}` : ''}`;
    return run('user-chat', [keys.userChats(userId)], ['+', chatId, keys.userChannel(userId), `${header}\n${event}`]);
  }

  return {
    /** The one DM of a pair, created if missing; `created` tells whether this call made it. */
    async createDm(me: string, peer: string, connId: string): Promise<{ chatId: string; created: boolean }> {
      if ((await redis.exists(keys.user(peer))) === 0) okOrThrow(['not_found']);
      const pairKey = keys.dm(me, peer);
      let chatId = await redis.get(pairKey);
      let created = false;
      if (chatId === null) {
        await countNewChat(me);
        const fresh = newChatId();
        chatId = await redis.set(pairKey, fresh, 'NX', 'GET');
        if (chatId === null) {
          chatId = fresh;
          created = true;
        } else {
          // Another call claimed the pair first: this one created nothing.
          await run('uncount', [keys.rateChats(me)], []);
        }
      }
      const [, lastId] = okOrThrow(
        await run('create-chat', [keys.chat(chatId), keys.members(chatId)], ['dm', '', me, me, peer]),
      ) as [unknown, number];
      const dmReady = (peerOf: string) => JSON.stringify({ type: 'dm_ready', chat_id: chatId, peer_user_id: peerOf });
      await Promise.all([
        listChat(me, chatId, Number(lastId), dmReady(peer), connId),
        listChat(peer, chatId, Number(lastId), dmReady(me)),
      ]);
      return { chatId, created };
    },

    async createPublicChat(me: string, title: string, connId: string): Promise<string> {
      await countNewChat(me);
      const chatId = newChatId();
      okOrThrow(await run('create-chat', [keys.chat(chatId), keys.members(chatId)], ['public', title, me, me, '']));
      await listChat(me, chatId, 0, JSON.stringify({ type: 'chat_created', chat_id: chatId, title }), connId);
      await redis.sadd(keys.publicChats, chatId);
      return chatId;
    },

    /** Join a public chat; returns whether the user was added and the chat's last id at that moment. */
    async joinChat(me: string, chatId: string, connId: string): Promise<{ added: boolean; lastId: number }> {
      const [added, lastId] = okOrThrow(
        await run(
          'join-chat',
          [keys.chat(chatId), keys.members(chatId), keys.reads(chatId)],
          [
            me,
            keys.chatChannel(chatId),
            JSON.stringify({ type: 'chat_member_added', chat_id: chatId, user_id: me }),
            config.maxPublicChatMembers,
          ],
        ),
      );
      await listChat(me, chatId, Number(lastId), JSON.stringify({ type: 'joined', chat_id: chatId }), connId);
      return { added: added === 1, lastId: Number(lastId) };
    },

    async leaveChat(me: string, chatId: string, connId: string): Promise<void> {
      const [removed] = okOrThrow(
        await run(
          'leave-chat',
          [keys.chat(chatId), keys.members(chatId), keys.typing(chatId, me)],
          [me, keys.chatChannel(chatId), JSON.stringify({ type: 'chat_member_removed', chat_id: chatId, user_id: me })],
        ),
      );
      const unlisted = await run(
        'user-chat',
        [keys.userChats(me)],
        [
          '-',
          chatId,
          keys.userChannel(me),
          `u-${chatId} !${connId}\n${JSON.stringify({ type: 'left', chat_id: chatId })}`,
        ],
      );
      // Not a member, unless a leave cut short left the chat in the user's list (just removed).
      if (removed !== 1 && unlisted !== 1) okOrThrow(['forbidden']);
    },

    async muteChat(me: string, chatId: string, until: number, connId: string): Promise<void> {
      okOrThrow(await run('mute-chat', [keys.chat(chatId), keys.members(chatId), keys.mute(chatId)], [me, until]));
      // The user's other connections learn of it (the calling one gets the reply).
      const event = JSON.stringify({ type: 'chat_muted', chat_id: chatId, until });
      await redis.spublish(keys.userChannel(me), `u!${connId}\n${event}`);
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
      const values = await readAll(
        redis,
        chatIds.flatMap((id): ReadCommand[] => [
          ['hmget', keys.chat(id), 'kind', 'title', 'last_id', 'created_at'],
          ['smembers', keys.members(id)],
          ['lindex', keys.messages(id), -1],
          ['hgetall', keys.reads(id)],
          ['hget', keys.mute(id), me],
        ]),
      );
      const peers: string[] = [];
      const draft = chatIds.map((chatId, i) => {
        const [kind, title, lastId, createdAt] = values[i * 5] as (string | null)[];
        const members = values[i * 5 + 1] as string[];
        const lastRaw = values[i * 5 + 2] as string | null;
        // ioredis turns HGETALL's reply into an object, in a pipeline and through `call` alike.
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
        const names = await readAll(
          redis,
          peers.map((p) => ['hget', keys.user(p), 'username']),
        );
        const byPeer = new Map(peers.map((p, i) => [p, (names[i] as string | null) ?? '']));
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
      const rows = await readAll(
        redis,
        chatIds.flatMap((id): ReadCommand[] => [
          ['hget', keys.chat(id), 'title'],
          ['scard', keys.members(id)],
        ]),
      );
      return chatIds
        .map((chatId, i) => ({
          chat_id: chatId,
          title: (rows[i * 2] as string | null) ?? '',
          member_count: Number(rows[i * 2 + 1] ?? 0),
        }))
        .sort((a, b) => b.member_count - a.member_count || a.title.localeCompare(b.title));
    },
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;

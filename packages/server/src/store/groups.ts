import { randomBytes } from 'node:crypto';
import {
  type ChatInfo,
  type ChatKind,
  type InviteInfo,
  type InvitePreview,
  LIMITS,
  type Role,
  TIMINGS,
} from '@papo/protocol';
import { AppError } from '../errors.js';
import { createChatPlaces } from './chat-places.js';
import { readContacts } from './contacts.js';
import { newChatId } from './ids.js';
import type { Keys } from './keys.js';
import { countHit, okOrThrow, readAll, type StoreContext } from './store.js';

/** The keys every group script takes first, in lib.lua's order. */
export function groupScriptKeys(keys: Keys, chatId: string): string[] {
  return [
    keys.chat(chatId),
    keys.members(chatId),
    keys.roles(chatId),
    keys.joined(chatId),
    keys.messages(chatId),
    keys.systemIds(chatId),
    keys.reads(chatId),
    keys.invites(chatId),
    keys.joinedBy(chatId),
    keys.received(chatId),
    keys.readMarks(chatId),
    keys.receivedMarks(chatId),
  ];
}

/** The arguments every group script takes first. */
export function groupScriptArgs({ keys, config }: StoreContext, me: string, chatId: string): (string | number)[] {
  return [me, chatId, keys.chatChannel(chatId), config.messagesKeep];
}

/** Runs group-remove.lua: `user` leaves (`me` = `user`) or is removed by `me`; the users' lists are the caller's. */
export function runGroupRemove(
  context: StoreContext,
  me: string,
  chatId: string,
  user: string,
  mode: 'leave' | 'remove',
): Promise<unknown> {
  const { run, keys } = context;
  return run(
    'group-remove',
    [...groupScriptKeys(keys, chatId), keys.typing(chatId, user), keys.mute(chatId)],
    [...groupScriptArgs(context, me, chatId), user, mode],
  );
}

/**
 * Private groups (contract section 9): creation, members, roles, info, invites.
 *
 * Every check of permission and membership is in the chat's own script with the change it guards
 * (group-*.lua, set-role.lua, update-chat.lua, invite-*.lua: one slot, one step). What lives in other slots
 * follows in steps of its own, as for public chats (chats.ts): the users' chat lists (settled against the
 * members set after each change, chat-places.ts), the rate counters before, and invite:{code}, which only
 * finds the chat from a code (the group's :invites hash is what a join checks).
 */
export function createGroupStore(context: StoreContext) {
  const { redis, run, keys, config } = context;
  const places = createChatPlaces(context);

  const groupKeys = (chatId: string) => groupScriptKeys(keys, chatId);
  const groupArgs = (me: string, chatId: string) => groupScriptArgs(context, me, chatId);

  /** Counts `n` group changes against the user's hourly limit; throws rate_limited past it. */
  function countChanges(me: string, n: number): Promise<void> {
    return countHit(run, keys.rateGroupChanges(me), config.groupChangesPerHour, 3600, 'group changes', n);
  }

  /**
   * Who of `userIds` may be added by `me`: each once, not `me`, existing, and not someone who blocked `me`
   * (a person who blocked someone is not put in a group by them). A read before the change: a user created or
   * a block made meanwhile makes no difference worth a cross-slot lock.
   */
  async function addable(me: string, userIds: string[]): Promise<string[]> {
    const wanted = [...new Set(userIds)].filter((id) => id !== me);
    const rows = await readAll(
      redis,
      wanted.flatMap((id) => [
        ['exists', keys.user(id)],
        ['sismember', keys.blocks(id), me],
      ]),
    );
    return wanted.filter((_, i) => rows[i * 2] === 1 && rows[i * 2 + 1] === 0);
  }

  /** Holds a place in each user's list; returns those who had room (the others are left out). */
  async function reserveEach(userIds: string[], chatId: string): Promise<string[]> {
    const results = await Promise.allSettled(userIds.map((id) => places.reserve(id, chatId, 'peer')));
    return userIds.filter((_, i) => results[i]!.status === 'fulfilled');
  }

  /**
   * Lists the chat for users `by` made members: their connections attach, from `fromId`, and hear `event`
   * (unless a removal overtook the addition: then they hear that).
   */
  async function listFor(
    userIds: string[],
    chatId: string,
    fromId: number,
    event: string,
    by: string,
    skipConn?: string,
  ) {
    const removed = JSON.stringify({ type: 'chat_removed', chat_id: chatId, by });
    await Promise.all(
      userIds.map((id) =>
        places.settle(id, chatId, {
          added: places.attachFrame(chatId, fromId, event, skipConn),
          removed: places.detachFrame(chatId, removed),
        }),
      ),
    );
  }

  /** Unlists the chat for a user who is no longer a member (settled as listFor is). */
  async function unlistFor(userId: string, chatId: string, event: string, fromId: number, skipConn?: string) {
    await places.settle(userId, chatId, {
      added: places.attachFrame(chatId, fromId, ''),
      removed: places.detachFrame(chatId, event, skipConn),
    });
  }

  async function kindOf(chatId: string): Promise<ChatKind | undefined> {
    return ((await redis.hget(keys.chat(chatId), 'kind')) as ChatKind | null) ?? undefined;
  }

  return {
    kindOf,

    /** A new group with the caller as owner; returns its id, title and the members added besides the caller. */
    async createGroup(
      me: string,
      group: { title: string; description: string; memberIds: string[] },
      connId: string,
    ): Promise<{ chatId: string; added: string[] }> {
      const chatId = newChatId();
      const candidates = (await addable(me, group.memberIds)).slice(0, config.maxGroupMembers - 1);
      await places.reserve(me, chatId, 'own');
      let added: string[] = [];
      try {
        await countHit(run, keys.rateChats(me), config.chatsPerHour, 3600, 'new chats');
        added = await reserveEach(candidates, chatId);
        const [, firstId] = okOrThrow(
          await run('group-create', groupKeys(chatId), [
            ...groupArgs(me, chatId),
            group.title,
            group.description,
            added.join(' '),
          ]),
        ) as [number, number];
        // Everyone attaches from before the `created` message, so each one's connections fetch it.
        const from = Number(firstId) - 1;
        const created = JSON.stringify({ type: 'chat_created', chat_id: chatId, title: group.title, kind: 'group' });
        const told = JSON.stringify({ type: 'chat_added', chat_id: chatId, kind: 'group', title: group.title, by: me });
        await Promise.all([listFor([me], chatId, from, created, me, connId), listFor(added, chatId, from, told, me)]);
      } catch (err) {
        places.release(me, chatId);
        for (const id of added) places.release(id, chatId);
        throw err;
      }
      return { chatId, added };
    },

    async addMembers(me: string, chatId: string, userIds: string[]): Promise<string[]> {
      const candidates = await addable(me, userIds);
      if (candidates.length === 0) return [];
      await countChanges(me, candidates.length);
      const reserved = await reserveEach(candidates, chatId);
      let reply: unknown[];
      try {
        reply = okOrThrow(
          await run('group-add', groupKeys(chatId), [
            ...groupArgs(me, chatId),
            reserved.join(' '),
            config.maxGroupMembers,
          ]),
        );
      } catch (err) {
        for (const id of reserved) places.release(id, chatId);
        throw err;
      }
      const [before, ...added] = reply as [number, ...string[]];
      for (const id of reserved) if (!added.includes(id)) places.release(id, chatId);
      if (added.length > 0) {
        const title = (await redis.hget(keys.chat(chatId), 'title')) ?? '';
        const told = JSON.stringify({ type: 'chat_added', chat_id: chatId, kind: 'group', title, by: me });
        await listFor(added, chatId, Number(before), told, me);
      }
      return added;
    },

    /** Removes a member (`user` ≠ me) or leaves (`user` = me, mode 'leave'); returns whether anyone went. */
    async removeMember(me: string, chatId: string, user: string, mode: 'leave' | 'remove', connId: string) {
      await countChanges(me, 1);
      const [gone] = okOrThrow(
        await run(
          'group-remove',
          [...groupKeys(chatId), keys.typing(chatId, user), keys.mute(chatId)],
          [...groupArgs(me, chatId), user, mode],
        ),
      );
      const event =
        mode === 'leave'
          ? JSON.stringify({ type: 'left', chat_id: chatId })
          : JSON.stringify({ type: 'chat_removed', chat_id: chatId, by: me });
      // The caller's own connection gets the reply instead (leaving); a removed user's all get chat_removed.
      const lastId = Number((await redis.hget(keys.chat(chatId), 'last_id')) ?? 0);
      const wasListed = await redis.sismember(keys.userChats(user), chatId);
      await unlistFor(user, chatId, event, lastId, mode === 'leave' ? connId : undefined);
      if (gone !== 1 && wasListed !== 1) throw new AppError('not_found', 'No such chat, or it is not yours to see.');
    },

    async setRole(me: string, chatId: string, user: string, role: Role): Promise<void> {
      await countChanges(me, 1);
      okOrThrow(await run('set-role', groupKeys(chatId), [...groupArgs(me, chatId), user, role]));
    },

    async updateChat(
      me: string,
      chatId: string,
      change: { title?: string | undefined; description?: string | undefined; pictureMediaId?: string | undefined },
    ): Promise<{ title: string; description: string; avatarUrl: string; replacedPicture: string }> {
      await countChanges(me, 1);
      const picture = change.pictureMediaId;
      const [, title, description, avatarUrl, replacedPicture] = okOrThrow(
        await run('update-chat', groupKeys(chatId), [
          ...groupArgs(me, chatId),
          change.title === undefined ? '0' : '1',
          change.title ?? '',
          change.description === undefined ? '0' : '1',
          change.description ?? '',
          picture === undefined ? '0' : '1',
          picture ?? '',
          picture ? `/api/media/${picture}` : '',
        ]),
      ) as [number, string, string, string, string];
      return { title, description, avatarUrl, replacedPicture };
    },

    async createInvite(
      me: string,
      chatId: string,
      options: { expiresInS?: number | undefined; maxUses?: number | undefined },
    ): Promise<{ code: string; expiresAt: number; maxUses: number | null }> {
      await countChanges(me, 1);
      // 128 random bits, base64url: not guessable (the contract asks for 96 at least).
      const code = randomBytes(16).toString('base64url');
      const expiresAt = Math.floor(Date.now() / 1000) + (options.expiresInS ?? TIMINGS.inviteTtlDefaultSeconds);
      const maxUses = options.maxUses ?? 0;
      okOrThrow(
        await run('invite-create', groupKeys(chatId), [
          ...groupArgs(me, chatId),
          code,
          expiresAt,
          maxUses,
          LIMITS.invitesPerGroupMax,
        ]),
      );
      const inviteKey = keys.invite(code);
      await redis
        .multi()
        .hset(inviteKey, {
          chat_id: chatId,
          expires_at: expiresAt,
          uses: 0,
          max_uses: maxUses,
          created_by: me,
        })
        .expireat(inviteKey, expiresAt)
        .exec();
      return { code, expiresAt, maxUses: maxUses || null };
    },

    async revokeInvite(me: string, chatId: string, code: string): Promise<void> {
      await countChanges(me, 1);
      okOrThrow(await run('invite-revoke', groupKeys(chatId), [...groupArgs(me, chatId), code]));
      await redis.del(keys.invite(code));
    },

    /** Joins the group an invite code leads to; returns its id and its last id before the join. */
    async joinByInvite(me: string, code: string, connId: string): Promise<{ chatId: string; lastId: number }> {
      const chatId = await redis.hget(keys.invite(code), 'chat_id');
      if (!chatId) throw new AppError('not_found', 'This invite link is no longer valid.');
      await countHit(run, keys.rateMembership(me), config.membershipChangesPerHour, 3600, 'joins and leaves');
      await places.reserve(me, chatId, 'own');
      let reply: unknown[];
      try {
        reply = okOrThrow(
          await run('invite-join', groupKeys(chatId), [...groupArgs(me, chatId), code, config.maxGroupMembers]),
        );
      } catch (err) {
        places.release(me, chatId);
        throw err;
      }
      const [added, before, left] = reply.map(Number) as [number, number, number];
      // invite:{code} follows the group's record (best effort: the group's own is what joins check).
      if (left === 0) redis.del(keys.invite(code)).catch(() => {});
      else if (added === 1) redis.hincrby(keys.invite(code), 'uses', 1).catch(() => {});
      await listFor([me], chatId, before, JSON.stringify({ type: 'joined', chat_id: chatId }), me, connId);
      return { chatId, lastId: before };
    },

    /** GET /api/chats/:chat_id: the chat's info, and for groups and DMs its members with roles and names. */
    async info(me: string, chatId: string): Promise<ChatInfo> {
      // Up to MAX_GROUP_MEMBERS profiles: a history page's worth of work against the read budget.
      await countHit(run, keys.rateReads(me), config.readPagesPerWindow, config.readWindowSeconds, 'reads');
      const [kind, title, description, createdBy, createdAt, count, role, ...pairs] = okOrThrow(
        await run('chat-info', groupKeys(chatId), [me]),
      ) as [ChatKind, string, string, string, number, number, string, ...string[]];
      const avatarUrl = kind === 'dm' ? null : await redis.hget(keys.chat(chatId), 'avatar_url');
      const info: ChatInfo = {
        chat_id: chatId,
        kind,
        title: kind === 'dm' ? '' : title,
        description,
        avatar_url: avatarUrl || null,
        created_by: createdBy,
        created_at: Number(createdAt),
        member_count: Number(count),
        ...(role ? { role: role as Role } : {}),
      };
      if (kind === 'public') return info;
      const ids = pairs.filter((_, i) => i % 2 === 0);
      // Profiles and presence as the caller may see them (offline, no last seen, across a block): as contacts.
      const seen = new Map((await readContacts({ redis, keys }, ids, me)).map((user) => [user.user_id, user]));
      const order: Record<Role, number> = { owner: 0, admin: 1, member: 2 };
      info.members = ids
        .map((id, i) => {
          const user = seen.get(id);
          return {
            user_id: id,
            role: pairs[i * 2 + 1] as Role,
            username: user?.username ?? '',
            avatar_url: user?.avatar_url ?? null,
            online: user?.online ?? false,
            last_seen: user?.last_seen ?? null,
          };
        })
        .sort((a, b) => order[a.role] - order[b.role] || a.username.localeCompare(b.username));
      return info;
    },

    async invitePreview(code: string): Promise<InvitePreview> {
      const chatId = await redis.hget(keys.invite(code), 'chat_id');
      if (!chatId) throw new AppError('not_found', 'This invite link is no longer valid.');
      const reply = await run('invite-preview', groupKeys(chatId), [code]);
      if (!Array.isArray(reply) || reply[0] !== 'ok') {
        throw new AppError('not_found', 'This invite link is no longer valid.');
      }
      const [, title, description, count] = reply as [string, string, string, number];
      const avatarUrl = await redis.hget(keys.chat(chatId), 'avatar_url');
      return { chat_id: chatId, title, description, avatar_url: avatarUrl || null, member_count: Number(count) };
    },

    async invites(me: string, chatId: string): Promise<InviteInfo[]> {
      const rows = okOrThrow(await run('invites-list', groupKeys(chatId), [me])) as string[];
      const invites: InviteInfo[] = [];
      for (let i = 0; i < rows.length; i += 3) {
        const entry = JSON.parse(rows[i + 1]!) as {
          created_by: string;
          created_at: number;
          expires_at: number;
          uses: number;
          max_uses: number;
        };
        invites.push({
          code: rows[i]!,
          created_by: entry.created_by,
          created_at: entry.created_at,
          expires_at: entry.expires_at,
          uses: entry.uses,
          max_uses: entry.max_uses || null,
          joined: rows[i + 2] ? rows[i + 2]!.split(' ') : [],
        });
      }
      return invites.sort((a, b) => b.created_at - a.created_at);
    },
  };
}

export type GroupStore = ReturnType<typeof createGroupStore>;

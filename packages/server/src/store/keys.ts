/**
 * Every Redis key and channel name, built in this one place. Chat-scoped names carry the chat id in literal
 * braces, a Redis Cluster hash tag, so each chat's keys and channel share one slot and a chat's state changes
 * in one script on Redis Cluster too (see docs/protocol.md, "Redis keys"). The contract's user keys keep their
 * plain form; of the keys the server adds, those one script changes together carry a common hash tag.
 */
export function createKeys(prefix: string) {
  return {
    prefix,
    user: (userId: string) => `${prefix}user:${userId}`,
    onlineUsers: `${prefix}presence:online_users`,
    token: (token: string) => `${prefix}token:${token}`,
    session: (sessionId: string) => `${prefix}session:${sessionId}`,
    userSessions: (userId: string) => `${prefix}user_sessions:${userId}`,
    temporaryAccounts: `${prefix}accounts:temporary`,
    /** Held by the worker that sweeps expired temporary accounts, so one does it at a time. */
    accountSweepLock: `${prefix}lock:account_sweep`,
    lastSeen: (userId: string) => `${prefix}last_seen:${userId}`,
    chat: (chatId: string) => `${prefix}chat:{${chatId}}`,
    members: (chatId: string) => `${prefix}chat:{${chatId}}:members`,
    messages: (chatId: string) => `${prefix}chat:{${chatId}}:messages`,
    reads: (chatId: string) => `${prefix}chat:{${chatId}}:reads`,
    mute: (chatId: string) => `${prefix}chat:{${chatId}}:mute`,
    /** user → highest message id received (contract section 10). */
    received: (chatId: string) => `${prefix}chat:{${chatId}}:received`,
    /** DMs and groups: member → read / received mark, ordered, so the chat's lowest is one ZRANGE. */
    readMarks: (chatId: string) => `${prefix}chat:{${chatId}}:read_marks`,
    receivedMarks: (chatId: string) => `${prefix}chat:{${chatId}}:received_marks`,
    /** DMs and groups: "user:second" → the mark reached then (message info's times). */
    readTimes: (chatId: string) => `${prefix}chat:{${chatId}}:read_times`,
    receivedTimes: (chatId: string) => `${prefix}chat:{${chatId}}:received_times`,
    /** Message changes (contract section 11): the changed message ids, oldest first. */
    changes: (chatId: string) => `${prefix}chat:{${chatId}}:changes`,
    /** reply id → quoted id (score), so a delete finds the quotes it must clear. */
    quotes: (chatId: string) => `${prefix}chat:{${chatId}}:quotes`,
    /** user → newest message id mentioning them. */
    mentions: (chatId: string) => `${prefix}chat:{${chatId}}:mentions`,
    /** Media (contract section 12): media id → kept messages of the chat carrying it. */
    chatMedia: (chatId: string) => `${prefix}chat:{${chatId}}:media`,
    /** "<message id> <media id>" scored by the message id: what a trim or a delete releases. */
    chatMediaMessages: (chatId: string) => `${prefix}chat:{${chatId}}:media_msgs`,
    roles: (chatId: string) => `${prefix}chat:{${chatId}}:roles`,
    /** A group's members → the first message id each may read (joined.lua order: the lowest is the oldest). */
    joined: (chatId: string) => `${prefix}chat:{${chatId}}:joined`,
    /** Ids of a group's system messages, so unread counts leave them out. */
    systemIds: (chatId: string) => `${prefix}chat:{${chatId}}:system`,
    invites: (chatId: string) => `${prefix}chat:{${chatId}}:invites`,
    joinedBy: (chatId: string) => `${prefix}chat:{${chatId}}:joined_by`,
    invite: (code: string) => `${prefix}invite:${code}`,
    /** An upload (contract section 14's `media:{media_id}`; the id in braces, a hash tag for its companions). */
    media: (mediaId: string) => `${prefix}media:{${mediaId}}`,
    /** The chats an upload was sent (or forwarded) to. */
    mediaChats: (mediaId: string) => `${prefix}media:{${mediaId}}:chats`,
    /** Uploads to look at (score: when, Unix ms): unsent ones at 24 h, released ones at once (store/media.ts). */
    mediaCheck: `${prefix}media:check`,
    /** The key media links are signed with, when MEDIA_LINK_SECRET is unset (made once, kept). */
    mediaLinkSecret: `${prefix}media:link_secret`,
    /** Held by the worker that sweeps media, so one does it at a time. */
    mediaSweepLock: `${prefix}lock:media_sweep`,
    rateMedia: (userId: string) => `${prefix}rate:media:${userId}`,
    /**
     * A user's push subscriptions, endpoint → JSON (contract section 13). The user id in braces: one slot with
     * the user's connections, so one script tells whether the user is away and where to push them.
     */
    pushSubs: (userId: string) => `${prefix}push:subs:{${userId}}`,
    /** Members with push subscriptions → the last message id pushed to them (0: none since their last read). */
    chatPush: (chatId: string) => `${prefix}chat:{${chatId}}:push`,
    /** The ids of the chat's last messages the push workers decided on: a message queued twice is pushed once. */
    chatPushDone: (chatId: string) => `${prefix}chat:{${chatId}}:push_done`,
    /** Pushes to make (a Stream read by every worker through one consumer group): new messages, reads. */
    pushQueue: `${prefix}push:queue`,
    /** Pushes to try again (score: when, Unix ms; a claimed one is pushed past its lease). */
    pushRetry: `${prefix}push:retry`,
    /** How many push subscriptions are kept (for /metrics; kept by the server around the scripts). */
    pushSubscriptionCount: `${prefix}push:subscription_count`,
    /** The VAPID key pair when VAPID_* is unset: made once, kept, the same for every instance. */
    pushVapid: `${prefix}push:vapid`,
    blocks: (userId: string) => `${prefix}blocks:${userId}`,
    // A user's block companions carry blocks:{user} as their hash tag: one slot with it (block-set.lua).
    /** Peer → the user's last block (+n) or unblock (−n) of them, n rising with each: orders the mirrors. */
    blockMarks: (userId: string) => `${prefix}block_marks:{${prefix}blocks:${userId}}`,
    /** Blocker → the mark of their block of this user (a mirror of block_marks; > 0 while it stands). */
    blockedBy: (userId: string) => `${prefix}blocked_by:{${prefix}blocks:${userId}}`,
    clientMsgId: (chatId: string, userId: string, clientMsgId: string) =>
      `${prefix}chat:{${chatId}}:cmid:${userId}:${clientMsgId}`,
    userChats: (userId: string) => `${prefix}user_chats:${userId}`,
    // The list's own companions carry the list's key as their hash tag: one slot with it (user-chat.lua).
    /** Places held in the list by chats being created or joined (reserve-chat.lua). */
    userChatsPending: (userId: string) => `${prefix}user_chats_pending:{${prefix}user_chats:${userId}}`,
    /** The list by chat id, for paging (chat-list-page.lua). */
    userChatsIndex: (userId: string) => `${prefix}user_chats_by_id:{${prefix}user_chats:${userId}}`,
    dm: (userA: string, userB: string) =>
      userA < userB ? `${prefix}dm:${userA}:${userB}` : `${prefix}dm:${userB}:${userA}`,
    publicChats: `${prefix}chats:public`,
    /** chats:public by the time each was listed, for paging (public-chats-page.lua); one slot with it. */
    publicChatsIndex: `${prefix}chats_public_by_time:{${prefix}chats:public}`,
    typing: (chatId: string, userId: string) => `${prefix}typing:{${chatId}}:${userId}`,
    /** Exists for the typing throttle's window after a `typing: true` was published (typing.lua). */
    typingSent: (chatId: string, userId: string) => `${prefix}typing_sent:{${chatId}}:${userId}`,
    rateMsg: (userId: string) => `${prefix}rate:msg:${userId}`,
    rateChats: (userId: string) => `${prefix}rate:chats:${userId}`,
    rateMembership: (userId: string) => `${prefix}rate:membership:${userId}`,
    rateReads: (userId: string) => `${prefix}rate:reads:${userId}`,
    rateLookups: (userId: string) => `${prefix}rate:lookups:${userId}`,
    rateProfile: (userId: string) => `${prefix}rate:profile:${userId}`,
    rateBlocks: (userId: string) => `${prefix}rate:blocks:${userId}`,
    ratePushSubscribe: (userId: string) => `${prefix}rate:push:${userId}`,
    rateGroupChanges: (userId: string) => `${prefix}rate:group_changes:${userId}`,
    rateLoginIp: (ip: string) => `${prefix}rate:login:ip:${ip}`,
    // An address's code, its send counter and its failure counter share a hash tag: one script checks and
    // changes them together. (Whatever braces the address holds, the first `{` and the `}` after it are the
    // same in all three names, so they hash alike.)
    rateLoginAddress: (address: string) => `${prefix}rate:login:addr:{${address}}`,
    loginCode: (address: string) => `${prefix}login_code:{${address}}`,
    loginFailures: (address: string) => `${prefix}login_fail:{${address}}`,
    loginUser: (address: string) => `${prefix}login_user:${address}`,
    presenceWorkers: `${prefix}presence:workers`,
    presenceWorker: (workerId: string) => `${prefix}presence:worker:{${workerId}}`,
    presenceConns: (userId: string) => `${prefix}presence:conns:{${userId}}`,
    /** The user's connections not in front of them (set_active false) → since when (Unix s); one slot with conns. */
    presenceHidden: (userId: string) => `${prefix}presence:hidden:{${userId}}`,
    chatChannel: (chatId: string) => `${prefix}broadcast:chat:{${chatId}}`,
    // The hash tag is the user's chat-list key, so user-chat.lua changes the list and tells the user's
    // connections in one slot.
    userChannel: (userId: string) => `${prefix}broadcast:user:{${prefix}user_chats:${userId}}`,
    presenceChannel: `${prefix}broadcast:presence`,
  };
}

export type Keys = ReturnType<typeof createKeys>;

/** The prefix of chat channels, to tell a chat's id from a channel name. */
export function chatIdFromChannel(keys: Keys, channel: string): string | undefined {
  const head = `${keys.prefix}broadcast:chat:{`;
  return channel.startsWith(head) && channel.endsWith('}') ? channel.slice(head.length, -1) : undefined;
}

export function userIdFromChannel(keys: Keys, channel: string): string | undefined {
  const head = `${keys.prefix}broadcast:user:{${keys.prefix}user_chats:`;
  return channel.startsWith(head) && channel.endsWith('}') ? channel.slice(head.length, -1) : undefined;
}

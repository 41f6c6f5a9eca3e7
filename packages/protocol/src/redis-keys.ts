/**
 * The Redis key layout, for operators and docs. Chat-scoped names carry the chat id inside literal braces
 * (`chat:{c_x}:messages`): a Redis Cluster hash tag, so every key of one chat lives in one slot. An optional
 * prefix (`REDIS_KEY_PREFIX`, default none) goes before every name.
 */
export const REDIS_KEYS = [
  {
    key: 'user:{user_id}',
    type: 'Hash',
    holds: 'username, avatar_url, created_at; about (PATCH /api/me); temporary, phone, email (how it logs in)',
  },
  { key: 'presence:online_users', type: 'Set', holds: 'users online now' },
  { key: 'token:{token}', type: 'String, TTL 1 h', holds: 'user_id' },
  {
    key: 'session:{session_id}',
    type: 'Hash, TTL SESSION_TTL_S (renewed by use)',
    holds:
      'user_id, refresh (SHA-256 of the current refresh token), prev and prev_until (the one before, honoured briefly), rotated (hashes of older ones: presenting one ends the session), access and access_prev (its live tokens), device, created_at, last_used',
  },
  {
    key: 'user_sessions:{user_id}',
    type: 'Sorted set',
    holds: 'session id → its expiry (ms); expired entries are pruned when the list is read or grows',
  },
  { key: 'last_seen:{user_id}', type: 'String', holds: 'Unix seconds' },
  {
    key: 'chat:{chat_id}',
    type: 'Hash',
    holds:
      'kind (dm|public|group), title, description, created_by, created_at, last_id, last_change_id; (extension) received_id, read_id: the lowest received and read marks over the members when chat_receipts last told them (DMs and groups); in a DM, blocked (the members whose block of the other stands, space-separated; absent when none: no message is sent in the DM) and block:<user_id> (that member’s latest block mark, mirrored from block_marks)',
  },
  { key: 'chat:{chat_id}:members', type: 'Set', holds: 'user ids' },
  {
    key: 'chat:{chat_id}:messages',
    type: 'List',
    holds: 'recent messages as JSON, oldest first (trimmed to MESSAGES_KEEP)',
  },
  { key: 'chat:{chat_id}:reads', type: 'Hash', holds: 'user_id → highest message id read' },
  { key: 'chat:{chat_id}:mute', type: 'Hash', holds: 'user_id → muted until (Unix seconds)' },
  { key: 'user_chats:{user_id}', type: 'Set', holds: 'chat ids' },
  { key: 'dm:{user_low}:{user_high}', type: 'String', holds: 'chat_id' },
  { key: 'chats:public', type: 'Set', holds: 'public chat ids' },
  { key: 'typing:{chat_id}:{user_id}', type: 'String, TTL 5 s', holds: '"1"' },
  {
    key: 'broadcast:chat:{chat_id}',
    type: 'Sharded Pub/Sub channel (SPUBLISH / SSUBSCRIBE)',
    holds: 'events of a chat, for every worker and instance following it',
  },
  { key: 'rate:msg:{user_id}', type: 'Counter with TTL', holds: 'messages in the current window' },
  { key: 'chat:{chat_id}:roles', type: 'Hash', holds: 'user_id → owner / admin (members have no entry)' },
  {
    key: 'invite:{code}',
    type: 'Hash, TTL to its expiry',
    holds: 'chat_id, expires_at, uses, max_uses (0: no limit), created_by',
  },
  { key: 'blocks:{user_id}', type: 'Set', holds: 'user ids this user blocked' },
  {
    key: 'chat:{chat_id}:received',
    type: 'Hash',
    holds: 'user_id → highest message id received (a read, and one’s own send, raise it too)',
  },
  {
    key: 'chat:{chat_id}:changes',
    type: 'List',
    holds:
      'the last CHANGES_KEEP changes, oldest first: the id of the message each changed (change_id = last_change_id − length + 1 + index)',
  },
  {
    key: 'push:subs:{{user_id}}',
    type: 'Hash',
    holds:
      'endpoint → the device’s push subscription as JSON {endpoint, keys: {p256dh, auth}, at}; at most 20. The user id in braces: a hash tag, one slot with presence:conns:{{user_id}}, so one script tells whether the user is away and where to push them',
  },
  {
    key: 'media:{{media_id}}',
    type: 'Hash',
    holds:
      'an upload: uploader, kind, mime, size, name, width, height, duration_ms, inline (the tiny preview), thumb ("1": a thumbnail is stored), created_at, store (local / s3), sent_at (its last claim), avatar_of (user:<id> / chat:<id> for a picture); the id in braces, a hash tag for its companion below',
  },
] as const;

/**
 * Keys and channels the server adds to the contract's layout, and why. `{{…}}` is a pair of literal braces (a
 * hash tag) around a value: `presence:conns:{{user_id}}` is `presence:conns:{u_7c}`.
 */
export const EXTRA_KEYS = [
  {
    key: 'chat:{chat_id}:cmid:{user_id}:{client_msg_id}',
    type: 'String, TTL 24 h',
    holds: 'the server_msg_id a client_msg_id got: makes a retried send_message idempotent',
  },
  {
    key: 'chat:{chat_id}:joined',
    type: 'Sorted set',
    holds:
      'a group’s members → the first message id they may read (the system message of their joining): history before it is not theirs to read, and the lowest score is the oldest member',
  },
  {
    key: 'chat:{chat_id}:system',
    type: 'Sorted set',
    holds:
      'ids not counted as unread (score = id): a group’s system messages, and deleted messages of any chat; trimmed with the messages',
  },
  {
    key: 'chat:{chat_id}:received_marks',
    type: 'Sorted set',
    holds:
      'DMs and groups: member → their received mark (chat:{id}:received again, ordered): the lowest is the chat’s received_id',
  },
  {
    key: 'chat:{chat_id}:read_marks',
    type: 'Sorted set',
    holds: 'DMs and groups: member → their read mark, ordered: the lowest is the chat’s read_id',
  },
  {
    key: 'chat:{chat_id}:received_times',
    type: 'Sorted set',
    holds:
      'DMs and groups: "user_id:unix_seconds" → the mark a member’s received mark rose to at that second (message info’s times); trimmed to the last 1,000 messages and to 32 entries per message kept',
  },
  {
    key: 'chat:{chat_id}:read_times',
    type: 'Sorted set',
    holds: 'as received_times, for read marks',
  },
  {
    key: 'chat:{chat_id}:quotes',
    type: 'Sorted set',
    holds:
      'reply id → the id it quotes (score): a delete finds the replies whose quote it must clear; trimmed with the messages',
  },
  {
    key: 'chat:{chat_id}:mentions',
    type: 'Hash',
    holds: 'user_id → the newest message id that mentions them (the chat list’s “@”)',
  },
  {
    key: 'chat:{chat_id}:invites',
    type: 'Hash',
    holds:
      'code → JSON {created_by, created_at, expires_at, uses, max_uses}: the group’s live invites, the authority a join checks in the chat’s own script (invite:{code} only finds the chat)',
  },
  {
    key: 'chat:{chat_id}:joined_by',
    type: 'Hash',
    holds: 'member → the invite code they joined with (dropped when they leave)',
  },
  {
    key: 'block_marks:{{blocks:{user_id}}}',
    type: 'Hash',
    holds:
      'peer → the user’s latest change of their block of that peer: +n blocked, −n unblocked, n one more each time; orders the mirrors (blocked_by, a DM’s block:<user_id>) so the newest change wins; one slot with blocks:{user_id}',
  },
  {
    key: 'blocked_by:{{blocks:{user_id}}}',
    type: 'Hash',
    holds:
      'blocker → their mark for this user (a mirror of block_marks, > 0 while the block stands): who blocked the user, read with blocks:{user_id} in one slot to know whose presence and typing the user is not told',
  },
  {
    key: 'presence:workers',
    type: 'Sorted set',
    holds:
      'worker id → lease expiry (ms); a worker renews its lease every heartbeat; a negative score is a reaper’s claim on a dead worker’s records',
  },
  {
    key: 'presence:worker:{{worker_id}}',
    type: 'Set',
    holds: '"user_id conn_id" of each connection the worker holds: reaped when its lease expires',
  },
  { key: 'presence:conns:{{user_id}}', type: 'Hash', holds: 'conn_id → worker id, one field per open connection' },
  {
    key: 'presence:hidden:{{user_id}}',
    type: 'Hash',
    holds:
      'conn_id → since when (Unix s) the connection said it is not in front of its user (`set_active false`); the push rule reads it with presence:conns',
  },
  {
    key: 'typing_sent:{chat_id}:{user_id}',
    type: 'String, TTL 2 s',
    holds:
      'exists while a `typing: true` of the user was told to the chat’s members less than 2 s ago: repeats within it are not told again',
  },
  {
    key: 'user_chats_by_id:{{user_chats:{user_id}}}',
    type: 'Sorted set (every score 0)',
    holds:
      'the user’s chat ids again, ordered by id: GET /api/chats pages through it; its hash tag is the user’s chat-list key (one slot with it)',
  },
  {
    key: 'user_chats_pending:{{user_chats:{user_id}}}',
    type: 'Sorted set, TTL',
    holds:
      'chat id → expiry (ms): places held in the user’s chat list by a creation or join in progress, so MAX_CHATS_PER_USER holds under concurrency',
  },
  {
    key: 'chats_public_by_time:{{chats:public}}',
    type: 'Sorted set',
    holds: 'public chat id → when it was listed (ms): GET /api/chats/public pages through it, newest first',
  },
  { key: 'rate:chats:{user_id}', type: 'Counter with TTL', holds: 'public chats and new DMs created this hour' },
  { key: 'rate:membership:{user_id}', type: 'Counter with TTL', holds: 'joins and leaves this hour' },
  { key: 'rate:reads:{user_id}', type: 'Counter with TTL', holds: 'history pages read in the current window' },
  { key: 'rate:lookups:{user_id}', type: 'Counter with TTL', holds: 'GET /api/users/lookup calls this hour' },
  { key: 'rate:profile:{user_id}', type: 'Counter with TTL', holds: 'PATCH /api/me calls this hour' },
  { key: 'rate:blocks:{user_id}', type: 'Counter with TTL', holds: 'blocks and unblocks this hour (BLOCKS_PER_HOUR)' },
  {
    key: 'rate:group_changes:{user_id}',
    type: 'Counter with TTL',
    holds: 'group changes this hour (members added or removed, roles, info, invites)',
  },
  {
    key: 'login_code:{{phone|email}}',
    type: 'Hash, TTL 5 min from the last send',
    holds:
      'code, last_sent (ms), anon (wrong tries without a challenge), ch:<challenge_id> → wrong tries of that challenge',
  },
  {
    key: 'login_fail:{{phone|email}}',
    type: 'Counter, TTL 24 h',
    holds: 'wrong codes for the address today; at LOGIN_CODE_FAILURES_PER_DAY the address takes no more codes',
  },
  { key: 'login_user:{phone|email}', type: 'String', holds: 'user_id of that phone or e-mail' },
  { key: 'rate:login:ip:{ip}', type: 'Counter with TTL', holds: 'login requests from an IP in the window' },
  {
    key: 'rate:login:addr:{{phone|email}}',
    type: 'Counter with TTL',
    holds: 'codes sent to an address in the window',
  },
  {
    key: 'accounts:temporary',
    type: 'Sorted set',
    holds:
      'temporary user id → when (ms) the account may be deleted if no session of it lives by then (its last session’s expiry + TEMP_ACCOUNT_TTL_DAYS)',
  },
  {
    key: 'broadcast:user:{{user_chats:{user_id}}}',
    type: 'Sharded Pub/Sub channel',
    holds:
      'events for one user’s connections (dm_ready, joined, left, chat_muted…) wherever they are, and the server’s news for them (a block made or lifted: read the hidden users again); its hash tag is the user’s chat-list key, so one script changes the list and publishes',
  },
  {
    key: 'media:{{media_id}}:chats',
    type: 'Set',
    holds:
      'the chats an upload was sent or forwarded to (at most 256): whose members may get it, where the sweep counts its references',
  },
  {
    key: 'chat:{chat_id}:media',
    type: 'Hash',
    holds:
      'media_id → how many kept messages of the chat carry it; changed by the scripts that send, delete and trim messages (0: the field goes, and the media is looked at)',
  },
  {
    key: 'chat:{chat_id}:media_msgs',
    type: 'Sorted set',
    holds:
      '"<message id> <media_id>" scored by the message id: what a trim (below the first kept id) or a delete releases; the chat’s hash keeps the lowest as media_low',
  },
  {
    key: 'media:check',
    type: 'Sorted set',
    holds:
      'media_id → when (ms) the media sweep looks at it: the end of an upload’s 24 h, at once when released, weekly while in use',
  },
  {
    key: 'media:link_secret',
    type: 'String',
    holds: 'the key media links are signed with, made once when MEDIA_LINK_SECRET is unset',
  },
  { key: 'lock:media_sweep', type: 'String, TTL 5 min', holds: 'held by the worker sweeping media' },
  {
    key: 'push:vapid',
    type: 'String',
    holds: 'the VAPID key pair as JSON {publicKey, privateKey}, made once when VAPID_* is unset',
  },
  { key: 'rate:media:{user_id}', type: 'Counter with TTL', holds: 'uploads this hour (MEDIA_UPLOADS_PER_HOUR)' },
  {
    key: 'chat:{chat_id}:push',
    type: 'Hash',
    holds:
      'members with push subscriptions → the last message id pushed to them (0: none since their last read, which closes it on their devices); the chat’s hash carries `push` while it is not empty, so a send elsewhere queues nothing',
  },
  {
    key: 'push:queue',
    type: 'Stream (consumer group `push`)',
    holds:
      'pushes to make: `m` "chat_id message_id" (a new message), `r` "user_id chat_id message_id" (a read closing a notification); every worker reads it in the group, an entry is deleted once done, one a dead worker held is taken over after PUSH_CLAIM_IDLE_MS; about PUSH_QUEUE_MAX at most',
  },
  {
    key: 'push:retry',
    type: 'Sorted set',
    holds:
      'pushes to try again, as JSON {user, endpoint, payload, topic, urgency, tries, queued at}, scored by when (Unix ms); a claimed one is pushed a minute on',
  },
  {
    key: 'chat:{chat_id}:push_done',
    type: 'Sorted set',
    holds:
      'the ids of the chat’s last 128 messages the push workers decided on: a message queued twice (its send repeated after a lost ack) is pushed once',
  },
  { key: 'push:subscription_count', type: 'String', holds: 'push subscriptions kept, over all users (for /metrics)' },
  { key: 'rate:push:{user_id}', type: 'Counter with TTL', holds: 'push subscribes this hour (60)' },
  {
    key: 'broadcast:presence',
    type: 'Sharded Pub/Sub channel',
    holds: 'presence changes, with the user’s chat ids so each worker forwards them to who shares a chat',
  },
] as const;

-- Shared helpers, prepended to every script at load time (redis.ts).
--
-- Every script touches keys of one hash slot only, so each runs unchanged on Redis Cluster: a chat's keys and
-- channel carry the chat id as a hash tag (chat:{id}:…); a state change that spans slots (a user's chat list
-- and a chat's members, the rate counter) is several scripts, run in an order that a retry completes (see
-- the store modules). Events go out with SPUBLISH (sharded Pub/Sub): on a cluster, to the channel's shard
-- only. A script may SPUBLISH only on a channel of its own slot.
--
-- What the scripts publish. On a chat's channel (broadcast:chat:{id}), the event's wire JSON itself, as every
-- member's connections receive it (workers read a message's id and a typing user from its first bytes).
-- On the server's own channels, a one-letter kind and a header line come before the JSON:
--   u<fields>\n<json>             on a user's channel; fields: +<chat>@<last_id> attach the user's
--                                 connections to a chat, -<chat> detach them, !<conn_id> skip that connection,
--                                 x<session_id> close the connections of that session (it ended; published
--                                 by the server, with no JSON)
--                                 h the users hidden from the user changed (a block made or lifted): its
--                                 connections read them again; h+<user_id> a block made: they hide that
--                                 user at once, before the read (published by the server, with no JSON)
--   p<user_id> <chat> <chat>…\n<json>  presence (published by the server, not a script), for the connections
--                                 that share one of those chats
-- Ids are [A-Za-z0-9_-] only (the protocol's pattern), so they are safe to concatenate into JSON.

-- Write scripts take the caller's deadline (Unix ms) as their last argument. A script Redis runs only after
-- the caller stopped waiting (Redis was paused, the reply timed out and the client was told `internal`) must
-- do nothing, or `internal` would be a lie: it refuses once Redis's clock is past the deadline.
-- Redis's clock, read once per script run (TIME is one more command each time).
local clock_ms
local function now_ms()
  if not clock_ms then
    local t = redis.call('TIME')
    clock_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return clock_ms
end

local function past_deadline()
  local deadline = tonumber(ARGV[#ARGV])
  if not deadline or deadline <= 0 then return false end
  return now_ms() > deadline
end

local function now_seconds()
  return math.floor(now_ms() / 1000)
end

-- A fixed-window limit: nil (and counted) while under it, else the seconds left in the window. A refused
-- hit is taken back, so only what was allowed counts.
local function over_limit(key, limit, window, amount)
  amount = tonumber(amount) or 1
  local count = redis.call('INCRBY', key, amount)
  if count == amount then redis.call('EXPIRE', key, window) end
  if count <= tonumber(limit) then return nil end
  redis.call('DECRBY', key, amount)
  local ttl = redis.call('TTL', key)
  if ttl < 0 then
    redis.call('EXPIRE', key, window)
    ttl = tonumber(window)
  end
  return ttl
end

-- Give back one hit of a fixed-window limit that turned out not to count (a send refused, or a repeat). A
-- counter back at zero goes, so a refused action leaves nothing written.
local function give_back(key)
  local count = tonumber(redis.call('GET', key) or '0')
  if count > 1 then
    redis.call('DECR', key)
  elseif count == 1 then
    redis.call('DEL', key)
  end
end

-- nil when the user may act on the chat, else the contract's error code.
-- A DM's existence is not revealed to a stranger: not_found, not forbidden.
-- A member is the common case and one command: a chat's members set is made with the chat (create-chat.lua)
-- and the chat is never deleted, so a member's chat exists.
local function check_member(chat_key, members_key, user_id)
  if redis.call('SISMEMBER', members_key, user_id) == 1 then return nil end
  -- A DM's or a group's existence is not revealed to a stranger (or a removed member): not_found.
  local kind = redis.call('HGET', chat_key, 'kind')
  if kind ~= 'public' then return 'not_found' end
  return 'forbidden'
end

-- Groups (contract section 9). Every group script takes the same first KEYS, in this order:
--   [1] chat:{id}, [2] :members, [3] :roles, [4] :joined, [5] :messages, [6] :system, [7] :reads,
--   [8] :invites, [9] :joined_by, [10] :received, [11] :read_marks, [12] :received_marks
-- and the first ARGV: [1] the caller, [2] the chat id, [3] the chat's channel, [4] messages kept.

-- A member's role: 'owner', 'admin' or 'member' (members have no entry in the roles hash).
local function role_of(roles_key, user)
  return redis.call('HGET', roles_key, user) or 'member'
end

-- nil when `user` is a member of the group, else the error (a stranger learns nothing of a group).
local function check_group_member(user)
  if redis.call('HGET', KEYS[1], 'kind') ~= 'group' then return 'not_found' end
  if redis.call('SISMEMBER', KEYS[2], user) == 0 then return 'not_found' end
  return nil
end

-- nil when `user` is the group's owner or an admin, else the error.
local function check_group_admin(user)
  local refused = check_group_member(user)
  if refused then return refused end
  local role = role_of(KEYS[3], user)
  if role ~= 'owner' and role ~= 'admin' then return 'forbidden' end
  return nil
end

-- Appends a system message (msg_type "system") to the group's sequence and publishes it as any message;
-- returns its id. `info` is the message's `system` object (its `by` is set here). Ids stay 1, 2, 3… with
-- the users' messages; the :system set lets unread counts leave these out.
local function append_system(by, info)
  local id = redis.call('HINCRBY', KEYS[1], 'last_id', 1)
  info.by = by
  local message = '{"id":' .. id .. ',"sender_id":"' .. by .. '","body":"","msg_type":"system","created_at":'
    .. now_seconds() .. ',"system":' .. cjson.encode(info) .. '}'
  local kept = tonumber(ARGV[4])
  if redis.call('RPUSH', KEYS[5], message) > kept then
    redis.call('LTRIM', KEYS[5], -kept, -1)
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', id - kept)
  end
  redis.call('ZADD', KEYS[6], id, id)
  redis.call('SPUBLISH', ARGV[3], '{"type":"message_created","chat_id":"' .. ARGV[2] .. '","message":' .. message .. '}')
  return id
end

-- Publishes an event (a Lua table) on the group's channel.
local function publish_event(event)
  redis.call('SPUBLISH', ARGV[3], cjson.encode(event))
end

-- Receipts (contract section 10). A receipt script takes the chat's receipt keys, in this order, as a table:
--   chat, members, reads, received, read_marks, received_marks, read_times, received_times
-- In DMs and groups every member's two marks are also kept ordered (read_marks, received_marks: the lowest is
-- the chat's read_id / received_id, one ZRANGE whatever the chat's size), and each rise is logged with its
-- second (read_times, received_times: "user:second" → the mark reached), which message info reads. A member's
-- marks start at the chat's last id when they join (what came before is not theirs to receive); marks never
-- fall. Public chats keep the hashes only: no one tracks a channel's readers.
local function receipt_keys(first)
  return {chat = KEYS[first], members = KEYS[first + 1], reads = KEYS[first + 2], received = KEYS[first + 3],
    read_marks = KEYS[first + 4], received_marks = KEYS[first + 5], read_times = KEYS[first + 6],
    received_times = KEYS[first + 7]}
end

-- Message info keeps times for the chat's last RECEIPT_TIMES_MESSAGES messages, and at most 32 rises per
-- message kept (a 1,024-member group where everyone reads everything keeps the latest ones).
local RECEIPT_TIMES_MESSAGES = 1000
local RECEIPT_TIMES_MAX = 32 * RECEIPT_TIMES_MESSAGES

-- A chat older than its ordered marks gets them from its hashes, once; true when it did (what the chat was
-- last told of its marks may then lag behind them).
local function marks_ready(R)
  if redis.call('EXISTS', R.received_marks) == 1 then return false end
  for _, user in ipairs(redis.call('SMEMBERS', R.members)) do
    local read = tonumber(redis.call('HGET', R.reads, user)) or 0
    local got = math.max(read, tonumber(redis.call('HGET', R.received, user)) or 0)
    redis.call('ZADD', R.read_marks, read, user)
    redis.call('ZADD', R.received_marks, got, user)
  end
  return true
end

-- Logs a rise for message info. The log is trimmed (to the last messages kept, then to its cap) on the rises to
-- an id divisible by 16 only: trimming on every rise was a sixth of a receipt's commands (bench scenario r).
local function log_rise(times_key, user, mark)
  redis.call('ZADD', times_key, mark, user .. ':' .. now_seconds())
  if mark % 16 ~= 0 then return end
  redis.call('ZREMRANGEBYSCORE', times_key, '-inf', '(' .. (mark - RECEIPT_TIMES_MESSAGES))
  if redis.call('ZCARD', times_key) > RECEIPT_TIMES_MAX then
    redis.call('ZREMRANGEBYRANK', times_key, 0, -RECEIPT_TIMES_MAX - 1)
  end
end

-- Raises a member's received mark (and, with `with_read`, their read mark: a read implies received) to `id`;
-- `tracked` is false in a public chat (hashes only). `told_received` and `told_read` are the chat's lowest
-- marks as last told. Returns received_rose, read_rose, and held: a mark that rose was at the lowest before,
-- so the chat's lowest may have risen (a member above it cannot raise it: tell_lows need not look).
-- A read that raises both is logged once (message info takes the read's time for both).
local function raise_marks(R, user, id, with_read, tracked, told_received, told_read)
  local read_rose, received_rose, held = false, false, false
  if with_read then
    local before = tonumber(redis.call('HGET', R.reads, user)) or 0
    if id > before then
      redis.call('HSET', R.reads, user, id)
      if tracked then
        redis.call('ZADD', R.read_marks, id, user)
        log_rise(R.read_times, user, id)
      end
      read_rose, held = true, before <= told_read
    end
  end
  local before = tonumber(redis.call('HGET', R.received, user)) or 0
  if id > before then
    redis.call('HSET', R.received, user, id)
    if tracked then
      redis.call('ZADD', R.received_marks, id, user)
      if not read_rose then log_rise(R.received_times, user, id) end
    end
    received_rose, held = true, held or before <= told_received
  end
  return received_rose, read_rose, held
end

-- A member joins a DM or group when its last id is `last_id`: their marks start there.
local function marks_join(R, user, last_id)
  marks_ready(R)
  redis.call('ZADD', R.read_marks, 'GT', last_id, user)
  redis.call('ZADD', R.received_marks, 'GT', last_id, user)
end

-- A member left: they no longer hold the chat's marks back.
local function marks_leave(R, user)
  redis.call('ZREM', R.read_marks, user)
  redis.call('ZREM', R.received_marks, user)
  redis.call('HDEL', R.received, user)
end

local function lowest(marks_key)
  local low = redis.call('ZRANGE', marks_key, 0, 0, 'WITHSCORES')
  return tonumber(low[2])
end

-- Tells the members `chat_receipts` when the chat's lowest received or read mark rose past what they were
-- last told (kept in the chat's hash, so a chat's marks are told once each, however many members raise them).
-- `told_received`, `told_read`: those, when the caller read them already.
local function tell_lows(R, chat_id, channel, told_received, told_read)
  local received, read = lowest(R.received_marks), lowest(R.read_marks)
  if not received or not read then return end
  if not told_read then
    local told = redis.call('HMGET', R.chat, 'received_id', 'read_id')
    told_received, told_read = tonumber(told[1]) or 0, tonumber(told[2]) or 0
  end
  if received <= told_received and read <= told_read then return end
  received, read = math.max(received, told_received), math.max(read, told_read)
  redis.call('HSET', R.chat, 'received_id', received, 'read_id', read)
  redis.call('SPUBLISH', channel, '{"type":"chat_receipts","chat_id":"' .. chat_id .. '","received_id":' .. received
    .. ',"read_id":' .. read .. '}')
end

-- The receipt keys of a group script (KEYS: the group keys, lib.lua above): enough to join and leave.
local function group_receipts()
  return {chat = KEYS[1], members = KEYS[2], reads = KEYS[7], received = KEYS[10], read_marks = KEYS[11],
    received_marks = KEYS[12]}
end

-- Media references (contract section 12). A chat counts, per media id, the kept messages that carry it
-- (chat:{id}:media, media id → count) and lists them by message id (chat:{id}:media_msgs, "<msg id> <media id>"
-- scored by the message id); the chat's hash keeps the lowest such id (media_low), so a send that trims the
-- list looks further only when a trimmed message had media. A media id whose count falls to 0 is "released":
-- the script returns it, and the server deletes the bytes once no chat keeps it (store/media.ts).

-- A new message `id` of chat `chat_key` carries `media_id`.
local function add_media_ref(chat_key, refs_key, msgs_key, id, media_id)
  redis.call('HINCRBY', refs_key, media_id, 1)
  redis.call('ZADD', msgs_key, id, id .. ' ' .. media_id)
  if not redis.call('HGET', chat_key, 'media_low') then redis.call('HSET', chat_key, 'media_low', id) end
end

-- Drops the references `entries` ("<msg id> <media id>", already out of msgs_key); returns the media ids no
-- kept message of the chat carries any more.
local function drop_media_refs(refs_key, entries)
  local released = {}
  for _, entry in ipairs(entries) do
    local media_id = string.match(entry, ' (.+)$')
    if redis.call('HINCRBY', refs_key, media_id, -1) <= 0 then
      redis.call('HDEL', refs_key, media_id)
      released[#released + 1] = media_id
    end
  end
  return released
end

-- Keeps media_low right after references below it went.
local function reset_media_low(chat_key, msgs_key)
  local low = redis.call('ZRANGE', msgs_key, 0, 0, 'WITHSCORES')
  if low[2] then
    redis.call('HSET', chat_key, 'media_low', low[2])
  else
    redis.call('HDEL', chat_key, 'media_low')
  end
end

-- The messages below first_id were trimmed away: their media references go. Returns the media released.
local function release_media_below(chat_key, refs_key, msgs_key, first_id)
  local gone = redis.call('ZRANGEBYSCORE', msgs_key, '-inf', '(' .. first_id)
  redis.call('ZREMRANGEBYSCORE', msgs_key, '-inf', '(' .. first_id)
  local released = drop_media_refs(refs_key, gone)
  reset_media_low(chat_key, msgs_key)
  return released
end

-- Message `id` (deleted) carried media: its reference goes. Returns the media released.
local function release_media_of(chat_key, refs_key, msgs_key, id)
  local gone = redis.call('ZRANGEBYSCORE', msgs_key, id, id)
  redis.call('ZREMRANGEBYSCORE', msgs_key, id, id)
  local released = drop_media_refs(refs_key, gone)
  reset_media_low(chat_key, msgs_key)
  return released
end

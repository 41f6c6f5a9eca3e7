-- Store and publish a message: membership, idempotency, the chat's next id, append, trim and publish in one
-- atomic step, so ids are 1, 2, 3… with no gap or repeat whatever the number of senders. The sender's rate
-- counter lives in another slot: on a Redis Cluster the caller counts the send first (count.lua) and gives it
-- back (uncount.lua) when this refuses it or finds it a repeat; on a single Redis send-message-counted.lua
-- does both around this in one script.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:messages, [4] chat:{id}:cmid:{me}:{client_msg_id}
-- (or chat:{id} again when the send has none), [5] chat:{id}:reads, [6] :received, [7] :read_marks,
-- [8] :received_marks, [9] :read_times, [10] :received_times, [11] :media, [12] :media_msgs
-- ARGV[1] my id, [2] the message JSON after its id up to created_at (`,"sender_id":…,"msg_type":"text"`),
-- [3] the JSON after created_at (`,"client_msg_id":"…"` or ''), [4] '1' when there is a client_msg_id,
-- [5] messages kept, [6] idempotency window (s), [7] chat channel,
-- [8] the event's JSON up to the message (`{"type":"message_created","chat_id":"…","message":`), [9] chat id
-- Returns {'ok', id, 0, media ids released, push} | {'ok', first id, 1, {}, push} (a repeat) | {'not_found'} |
-- {'forbidden'[, why]}
-- (media released: a trimmed message carried the last reference of this chat to them; lib.lua. push: 1 when
-- some member has push subscriptions (push-enrol.lua) and the chat is no public one, which pushes mentions
-- only: the caller queues the message for the push workers. A repeat says it too, as the first send's queueing
-- may have been lost with a crashed worker before its ack.)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me = ARGV[1]
local refused = check_member(KEYS[1], KEYS[2], me)
if refused then return {refused} end

if ARGV[4] == '1' then
  local first_id = redis.call('GET', KEYS[4])
  if first_id then
    local kind, push = unpack(redis.call('HMGET', KEYS[1], 'kind', 'push'))
    return {'ok', tonumber(first_id), 1, {}, (push and kind ~= 'public') and 1 or 0}
  end
end
-- A DM with a block standing between its two members takes no message from either (contract section 9, as
-- WhatsApp: the blocker unblocks to write). The blocks are mirrored into the DM's hash (dm-block.lua), so this
-- is one field of the chat's small hash (read with its kind, which the receipt marks below need).
local chat = redis.call('HMGET', KEYS[1], 'blocked', 'kind', 'media_low', 'push')
local blocked = chat[1]
if blocked then
  if string.find(' ' .. blocked .. ' ', ' ' .. me .. ' ', 1, true) then
    return {'forbidden', 'You blocked this user: unblock them to send a message.'}
  end
  return {'forbidden', 'You cannot send messages to this user.'}
end

local id = redis.call('HINCRBY', KEYS[1], 'last_id', 1)
local message = '{"id":' .. id .. ARGV[2] .. ',"created_at":' .. now_seconds() .. ARGV[3] .. '}'
local kept = tonumber(ARGV[5])
local released
if redis.call('RPUSH', KEYS[3], message) > kept then
  redis.call('LTRIM', KEYS[3], -kept, -1)
  -- A trimmed message carried media (the chat's lowest media message is below the first kept id now).
  if chat[3] and tonumber(chat[3]) <= id - kept then
    released = release_media_below(KEYS[1], KEYS[11], KEYS[12], id - kept + 1)
  end
end
if ARGV[4] == '1' then redis.call('SET', KEYS[4], id, 'EX', ARGV[6]) end
redis.call('SPUBLISH', ARGV[7], ARGV[8] .. message .. '}')
-- The sender has seen everything up to their own message: their marks rise to it (contract section 10), so
-- "every other member" and "every member" agree. No mark is above the chat's last id (receipt.lua refuses
-- one), so this one, the new last id, moves the sender's forward. A public chat keeps only the read mark (its
-- unread count); a DM or group also its ordered marks, and may tell the members a lowest mark rose (when the
-- sender was the one holding it back).
redis.call('HSET', KEYS[5], me, id)
if chat[2] ~= 'public' then
  local R = {chat = KEYS[1], members = KEYS[2], reads = KEYS[5], received = KEYS[6], read_marks = KEYS[7],
    received_marks = KEYS[8], read_times = KEYS[9], received_times = KEYS[10]}
  marks_ready(R)
  redis.call('HSET', R.received, me, id)
  redis.call('ZADD', R.read_marks, id, me)
  redis.call('ZADD', R.received_marks, id, me)
  log_rise(R.read_times, me, id)
  log_rise(R.received_times, me, id)
  tell_lows(R, ARGV[9], ARGV[7])
end
-- A public chat pushes mentions only (send-message-rich.lua says so for those).
return {'ok', id, 0, released or {}, (chat[4] and chat[2] ~= 'public') and 1 or 0}

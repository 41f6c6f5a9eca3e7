-- Store and publish a message: membership, idempotency, the chat's next id, append, trim and publish in one
-- atomic step, so ids are 1, 2, 3… with no gap or repeat whatever the number of senders. The sender's rate
-- counter lives in another slot: on a Redis Cluster the caller counts the send first (count.lua) and gives it
-- back (uncount.lua) when this refuses it or finds it a repeat; on a single Redis send-message-counted.lua
-- does both around this in one script.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:messages, [4] chat:{id}:cmid:{me}:{client_msg_id}
-- (or chat:{id} again when the send has none), [5] chat:{id}:reads
-- ARGV[1] my id, [2] the message JSON after its id up to created_at (`,"sender_id":…,"msg_type":"text"`),
-- [3] the JSON after created_at (`,"client_msg_id":"…"` or ''), [4] '1' when there is a client_msg_id,
-- [5] messages kept, [6] idempotency window (s), [7] chat channel,
-- [8] the event's JSON up to the message (`{"type":"message_created","chat_id":"…","message":`)
-- Returns {'ok', id, 0} | {'ok', first id, 1} (a repeat) | {'not_found'} | {'forbidden'[, why]}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me = ARGV[1]
local refused = check_member(KEYS[1], KEYS[2], me)
if refused then return {refused} end

if ARGV[4] == '1' then
  local first_id = redis.call('GET', KEYS[4])
  if first_id then return {'ok', tonumber(first_id), 1} end
end
-- A DM with a block standing between its two members takes no message from either (contract section 9, as
-- WhatsApp: the blocker unblocks to write). The blocks are mirrored into the DM's hash (dm-block.lua), so this
-- is one HGET of the chat's small hash, the only cost to every other send.
local blocked = redis.call('HGET', KEYS[1], 'blocked')
if blocked then
  if string.find(' ' .. blocked .. ' ', ' ' .. me .. ' ', 1, true) then
    return {'forbidden', 'You blocked this user: unblock them to send a message.'}
  end
  return {'forbidden', 'You cannot send messages to this user.'}
end

local id = redis.call('HINCRBY', KEYS[1], 'last_id', 1)
local message = '{"id":' .. id .. ARGV[2] .. ',"created_at":' .. now_seconds() .. ARGV[3] .. '}'
local kept = tonumber(ARGV[5])
if redis.call('RPUSH', KEYS[3], message) > kept then redis.call('LTRIM', KEYS[3], -kept, -1) end
if ARGV[4] == '1' then redis.call('SET', KEYS[4], id, 'EX', ARGV[6]) end
-- The sender has seen everything up to their own message. No read marker is above the chat's last id
-- (read-receipt.lua refuses one), so this one, the new last id, moves the sender's forward.
redis.call('HSET', KEYS[5], me, id)
-- The new last id is the highest mark there is: the sender holds the top, and whoever held it is second
-- (read_tops in lib.lua; what the chat list's others_read_id reads instead of every member's mark). One HMGET
-- and one HSET on the chat's small hash: about 1.5 µs of Redis time per message, measured in a Lua loop, some
-- 1% of Redis's CPU per message at the bench's 1,000 msg/s into chats of 10. Without it, others' sends (which
-- raise their marks here) would be missing from the chat list's ticks.
local top_user, top = read_tops(KEYS[1], KEYS[5])
if top_user == me then
  redis.call('HSET', KEYS[1], 'reads_top', id)
else
  redis.call('HSET', KEYS[1], 'reads_top_user', me, 'reads_top', id, 'reads_second', top)
end
redis.call('SPUBLISH', ARGV[7], ARGV[8] .. message .. '}')
return {'ok', id, 0}

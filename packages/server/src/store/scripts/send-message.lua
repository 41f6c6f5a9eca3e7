-- Store and publish a message: membership, idempotency, rate limit, the chat's next id, append, trim and
-- publish in one atomic step, so ids are 1, 2, 3… with no gap or repeat whatever the number of senders.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:messages, [4] chat:{id}:cmid:{me}:{client_msg_id}
-- (or chat:{id} again when the send has none), [5] rate:msg:{me}, [6] chat:{id}:reads
-- ARGV[1] my id, [2] the message JSON after its id up to created_at (`,"sender_id":…,"msg_type":"text"`),
-- [3] the JSON after created_at (`,"client_msg_id":"…"` or ''), [4] '1' when there is a client_msg_id,
-- [5] rate limit, [6] rate window (s), [7] messages kept, [8] idempotency window (s), [9] chat channel,
-- [10] the event's JSON up to the message (`{"type":"message_created","chat_id":"…","message":`)
-- Returns {'ok', id} (a repeat gets the first id) | {'not_found'} | {'forbidden'} | {'rate_limited', ttl}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me = ARGV[1]
local refused = check_member(KEYS[1], KEYS[2], me)
if refused then return {refused} end

if ARGV[4] == '1' then
  local first_id = redis.call('GET', KEYS[4])
  if first_id then return {'ok', tonumber(first_id)} end
end

local wait = over_limit(KEYS[5], ARGV[5], ARGV[6])
if wait then return {'rate_limited', wait, 'Too many messages; try again in ' .. wait .. ' s.'} end

local id = redis.call('HINCRBY', KEYS[1], 'last_id', 1)
local message = '{"id":' .. id .. ARGV[2] .. ',"created_at":' .. now_seconds() .. ARGV[3] .. '}'
redis.call('RPUSH', KEYS[3], message)
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[7]), -1)
if ARGV[4] == '1' then redis.call('SET', KEYS[4], id, 'EX', ARGV[8]) end
-- The sender has seen everything up to their own message.
local read = tonumber(redis.call('HGET', KEYS[6], me) or '0')
if read < id then redis.call('HSET', KEYS[6], me, id) end
redis.call('PUBLISH', ARGV[9], ARGV[10] .. message .. '}')
return {'ok', id}

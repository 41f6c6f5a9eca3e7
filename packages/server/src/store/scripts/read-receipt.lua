-- Record that a member read a chat up to a message; a lower id never replaces a higher one.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:reads
-- ARGV[1] my id, [2] message id, [3] chat id, [4] chat channel
-- Returns {'ok', changed} | {'not_found'} | {'forbidden'} | {'invalid_payload'} (above the chat's last id)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me, message_id = ARGV[1], tonumber(ARGV[2])
local refused = check_member(KEYS[1], KEYS[2], me)
if refused then return {refused} end
if message_id > tonumber(redis.call('HGET', KEYS[1], 'last_id') or '0') then return {'invalid_payload'} end
local current = tonumber(redis.call('HGET', KEYS[3], me) or '0')
if current >= message_id then return {'ok', 0} end
redis.call('HSET', KEYS[3], me, message_id)
raise_read_top(KEYS[1], KEYS[3], me, message_id)
redis.call('SPUBLISH', ARGV[4], '{"type":"read_receipt","chat_id":"' .. ARGV[3] .. '","message_id":' .. message_id ..
  ',"user_id":"' .. me .. '","read_at":' .. now_seconds() .. '}')
return {'ok', 1}

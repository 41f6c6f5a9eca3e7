-- A message was pushed to a member: kept as the last one pushed to them in the chat, so that their next read
-- up to it closes the chat's notification on their devices (receipt.lua). Only for a member still on the
-- chat's push list, and never lowered.
-- KEYS[1] chat:{id}:push
-- ARGV[1] the user, [2] the message id
local pushed = redis.call('HGET', KEYS[1], ARGV[1])
if not pushed then return 0 end
if tonumber(ARGV[2]) > tonumber(pushed) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1

-- Leave a public chat (extension): the chat's side (the user's chat list follows, user-chat.lua).
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] typing:{id}:{me}
-- ARGV[1] my id, [2] chat channel, [3] chat_member_removed event (JSON)
-- Returns {'ok', removed (1|0)} | {'not_found'}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('HGET', KEYS[1], 'kind') ~= 'public' then return {'not_found'} end
local removed = redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
if removed == 1 then redis.call('SPUBLISH', ARGV[2], ARGV[3]) end
return {'ok', removed}

-- Mute a chat until a time, or unmute it (0) (extension). The caller then tells the user's connections.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:mute
-- ARGV[1] my id, [2] until (Unix s)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local refused = check_member(KEYS[1], KEYS[2], ARGV[1])
if refused then return {refused} end
if ARGV[2] == '0' then
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
end
return {'ok'}

-- A member is (or stopped) typing: the key lives 5 s; the other members are told.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] typing:{id}:{me}
-- ARGV[1] my id, [2] '1' typing / '0' stopped, [3] TTL (s), [4] chat channel, [5] the typing event (JSON)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local refused = check_member(KEYS[1], KEYS[2], ARGV[1])
if refused then return {refused} end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
else
  redis.call('DEL', KEYS[3])
end
redis.call('SPUBLISH', ARGV[4], ARGV[5])
return {'ok'}

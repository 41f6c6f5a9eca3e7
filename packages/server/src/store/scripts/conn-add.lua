-- Record an authenticated connection in its user's connection hash (conn id → worker id).
-- KEYS[1] presence:conns:{user}
-- ARGV[1] connection id, [2] worker id, [3] most connections per user (0: no limit, for re-registration)
-- Returns {'ok', connections now} (1: the user's first, they just came online) | {'rate_limited', 0, why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local most = tonumber(ARGV[3])
if most > 0 and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= most then
  return {'rate_limited', 0, 'Too many open connections for this user; close one first.'}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {'ok', redis.call('HLEN', KEYS[1])}

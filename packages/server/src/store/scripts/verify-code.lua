-- Check and consume a login code. The caller then finds or makes the address's user and its token.
-- KEYS[1] login_code:{address}
-- ARGV[1] the code given, [2] tries allowed
-- Returns {'ok'} | {'no_code'} | {'wrong_code', tries_left}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local stored = redis.call('HGET', KEYS[1], 'code')
if not stored then return {'no_code'} end
if stored ~= ARGV[1] then
  local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
  local left = tonumber(ARGV[2]) - tries
  if left <= 0 then redis.call('DEL', KEYS[1]) end
  return {'wrong_code', math.max(left, 0)}
end
redis.call('DEL', KEYS[1])
return {'ok'}

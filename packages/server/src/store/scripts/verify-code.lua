-- Check and consume a login code. Wrong tries are counted per challenge (the requester's own, so others'
-- requests cannot use them up; a verify without one shares the 'anon' count) and per address per day: at the
-- daily cap the code is gone and the address takes no code until the day is over. The caller then finds or
-- makes the address's user and a session.
-- KEYS[1] login_code:{addr}, [2] login_fail:{addr}
-- ARGV[1] the code given, [2] the challenge id ('' for none), [3] wrong tries per challenge, [4] wrong codes
-- per address per day, [5] the day (s)
-- Returns {'ok'} | {'no_code'} | {'wrong_code', tries_left} | {'rate_limited', seconds, why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local failures_cap = tonumber(ARGV[4])
if tonumber(redis.call('GET', KEYS[2]) or '0') >= failures_cap then
  return {'rate_limited', math.max(redis.call('TTL', KEYS[2]), 1),
    'Too many wrong codes for this address today; try again later.'}
end
local stored = redis.call('HGET', KEYS[1], 'code')
if not stored then return {'no_code'} end
local field = 'anon'
if ARGV[2] ~= '' then
  field = 'ch:' .. ARGV[2]
  if redis.call('HEXISTS', KEYS[1], field) == 0 then return {'no_code'} end
end
local allowed = tonumber(ARGV[3])
local tries = tonumber(redis.call('HGET', KEYS[1], field) or '0')
if tries >= allowed then return {'wrong_code', 0} end
if stored ~= ARGV[1] then
  tries = redis.call('HINCRBY', KEYS[1], field, 1)
  local failures = redis.call('INCR', KEYS[2])
  if failures == 1 then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
  if failures >= failures_cap then redis.call('DEL', KEYS[1]) end
  return {'wrong_code', math.max(allowed - tries, 0)}
end
redis.call('DEL', KEYS[1])
return {'ok'}

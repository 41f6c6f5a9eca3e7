-- Exchange a login code for a token. The same phone or e-mail is always the same user.
-- KEYS[1] login_code:{address}, [2] login_user:{address}, [3] token:{token}
-- ARGV[1] key prefix, [2] the code given, [3] new user id (used when the address has none), [4] username
-- ('' keeps it), [5] avatar_url ('' keeps it), [6] default username for a new user, [7] token TTL (s),
-- [8] tries allowed
-- Returns {'ok', user_id} | {'no_code'} | {'wrong_code', tries_left}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local stored = redis.call('HGET', KEYS[1], 'code')
if not stored then return {'no_code'} end
if stored ~= ARGV[2] then
  local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
  local left = tonumber(ARGV[8]) - tries
  if left <= 0 then redis.call('DEL', KEYS[1]) end
  return {'wrong_code', math.max(left, 0)}
end
redis.call('DEL', KEYS[1])
local user_id = redis.call('GET', KEYS[2])
if not user_id then
  user_id = ARGV[3]
  redis.call('SET', KEYS[2], user_id)
  local username = ARGV[4]
  if username == '' then username = ARGV[6] end
  redis.call('HSET', ARGV[1] .. 'user:' .. user_id, 'username', username, 'avatar_url', ARGV[5],
    'created_at', now_seconds())
else
  if ARGV[4] ~= '' then redis.call('HSET', ARGV[1] .. 'user:' .. user_id, 'username', ARGV[4]) end
  if ARGV[5] ~= '' then redis.call('HSET', ARGV[1] .. 'user:' .. user_id, 'avatar_url', ARGV[5]) end
end
redis.call('SET', KEYS[3], user_id, 'EX', ARGV[7])
return {'ok', user_id}

-- PATCH /api/me: the user's own name and "about" line, changed only while the user exists (a temporary account
-- swept meanwhile is not brought back as a profile without a login).
-- KEYS[1] user:{id}
-- ARGV[1] '1' to set the username to [2]; [3] '1' to set the about line to [4] ('' removes it)
-- Returns 1 when changed, 0 when the user does not exist.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], 'username', ARGV[2]) end
if ARGV[3] == '1' then
  if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'about') else redis.call('HSET', KEYS[1], 'about', ARGV[4]) end
end
return 1

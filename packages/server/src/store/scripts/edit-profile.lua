-- PATCH /api/me: the user's own name and "about" line, changed only while the user exists (a temporary account
-- swept meanwhile is not brought back as a profile without a login).
-- KEYS[1] user:{id}
-- ARGV[1] '1' to set the username to [2]; [3] '1' to set the about line to [4] ('' removes it); [5] '1' to set
-- the picture to the upload [6] ('' removes it; claimed by media-claim.lua first), whose URL is [7]
-- Returns {1, the picture replaced ('' none)}, or 0 when the user does not exist.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], 'username', ARGV[2]) end
if ARGV[3] == '1' then
  if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'about') else redis.call('HSET', KEYS[1], 'about', ARGV[4]) end
end
local replaced = ''
if ARGV[5] == '1' then
  replaced = redis.call('HGET', KEYS[1], 'avatar_media_id') or ''
  if replaced == ARGV[6] then
    replaced = ''
  elseif ARGV[6] == '' then
    redis.call('HDEL', KEYS[1], 'avatar_media_id')
    redis.call('HSET', KEYS[1], 'avatar_url', '')
  else
    redis.call('HSET', KEYS[1], 'avatar_media_id', ARGV[6], 'avatar_url', ARGV[7])
  end
end
return {1, replaced}

-- A new session: the refresh token's hash, the access token it holds, and where it was made.
-- KEYS[1] session:{id}
-- ARGV[1] user id, [2] SHA-256 of the refresh secret, [3] the access token, [4] device label, [5] TTL (s)
-- Returns {'ok'}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local now = now_seconds()
redis.call('HSET', KEYS[1], 'user_id', ARGV[1], 'refresh', ARGV[2], 'access', ARGV[3], 'device', ARGV[4],
  'created_at', now, 'last_used', now)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {'ok'}

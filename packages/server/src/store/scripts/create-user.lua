-- A temporary account: a new user and its token.
-- KEYS[1] user:{id}, [2] token:{token}; ARGV[1] user id, [2] username, [3] avatar_url, [4] token TTL (s)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
redis.call('HSET', KEYS[1], 'username', ARGV[2], 'avatar_url', ARGV[3], 'created_at', now_seconds())
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[4])
return {'ok'}

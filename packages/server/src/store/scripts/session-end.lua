-- End a session (logout, "log out other devices", a session evicted past MAX_SESSIONS_PER_USER): the caller
-- then deletes the access tokens it returns.
-- KEYS[1] session:{id}
-- ARGV[1] the user who must own it
-- Returns {'ok', access, access_prev} ('' when none) | {'not_found'}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local s = redis.call('HMGET', KEYS[1], 'user_id', 'access', 'access_prev')
if s[1] ~= ARGV[1] then return {'not_found'} end
redis.call('DEL', KEYS[1])
return {'ok', s[2] or '', s[3] or ''}

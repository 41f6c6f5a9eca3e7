-- What a live invite code leads to, for its preview card (read only).
-- KEYS: the group keys (lib.lua); ARGV[1] code
-- Returns {'ok', title, description, member count} | {'not_found'}
if redis.call('HGET', KEYS[1], 'kind') ~= 'group' then return {'not_found'} end
local raw = redis.call('HGET', KEYS[8], ARGV[1])
if not raw then return {'not_found'} end
local invite = cjson.decode(raw)
if invite.expires_at <= now_seconds() or (invite.max_uses > 0 and invite.uses >= invite.max_uses) then
  return {'not_found'}
end
local chat = redis.call('HMGET', KEYS[1], 'title', 'description')
return {'ok', chat[1] or '', chat[2] or '', redis.call('SCARD', KEYS[2])}

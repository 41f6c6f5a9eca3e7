-- A group's live invite codes and who joined through each (its owner and admins; read only).
-- KEYS: the group keys (lib.lua); ARGV[1] the caller
-- Returns {'ok', code, invite JSON, joined ids (space-separated), …} | {'not_found'} | {'forbidden', why}
local refused = check_group_admin(ARGV[1])
if refused then return {refused, 'Only the group’s owner and admins see its invite links.'} end
local now = now_seconds()
local joined = {}
local by = redis.call('HGETALL', KEYS[9])
for i = 1, #by, 2 do
  joined[by[i + 1]] = (joined[by[i + 1]] and (joined[by[i + 1]] .. ' ') or '') .. by[i]
end
local reply = {'ok'}
local entries = redis.call('HGETALL', KEYS[8])
for i = 1, #entries, 2 do
  local invite = cjson.decode(entries[i + 1])
  if invite.expires_at > now and (invite.max_uses == 0 or invite.uses < invite.max_uses) then
    reply[#reply + 1] = entries[i]
    reply[#reply + 1] = entries[i + 1]
    reply[#reply + 1] = joined[entries[i]] or ''
  end
end
return reply

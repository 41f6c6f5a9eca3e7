-- Record a new invite code of a group (its owner or an admin). The group's :invites hash is the authority a
-- join checks (invite-join.lua); invite:{code} only finds the chat from the code, and is written next by
-- the store. Expired and used-up codes are pruned first; a group holds at most a number of live ones.
-- KEYS: the group keys (lib.lua)
-- ARGV[1] the caller, [2] chat id, [3] channel, [4] messages kept, [5] code, [6] expires at (Unix s),
-- [7] most uses (0: no limit), [8] most live codes
-- Returns {'ok'} | {'not_found'} | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me = ARGV[1]
local refused = check_group_admin(me)
if refused then return {refused, 'Only the group’s owner and admins make invite links.'} end
local now = now_seconds()
local live = 0
local entries = redis.call('HGETALL', KEYS[8])
for i = 1, #entries, 2 do
  local invite = cjson.decode(entries[i + 1])
  if invite.expires_at <= now or (invite.max_uses > 0 and invite.uses >= invite.max_uses) then
    redis.call('HDEL', KEYS[8], entries[i])
  else
    live = live + 1
  end
end
if live >= tonumber(ARGV[8]) then
  return {'forbidden', 'This group has as many live invite links as it may: revoke one first.'}
end
redis.call('HSET', KEYS[8], ARGV[5], cjson.encode({created_by = me, created_at = now,
  expires_at = tonumber(ARGV[6]), uses = 0, max_uses = tonumber(ARGV[7])}))
return {'ok'}

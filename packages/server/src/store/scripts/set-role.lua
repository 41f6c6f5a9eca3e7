-- The owner changes a member's role: admin, member, or owner (handing ownership over: the old owner becomes
-- an admin, so the group has exactly one owner at any time). A role a member has already changes nothing.
-- KEYS: the group keys (lib.lua)
-- ARGV[1] the caller, [2] chat id, [3] channel, [4] messages kept, [5] the member, [6] the role
-- Returns {'ok', changed (1|0)} | {'not_found', why} | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me, user, role = ARGV[1], ARGV[5], ARGV[6]
local refused = check_group_member(me)
if refused then return {refused} end
if role_of(KEYS[3], me) ~= 'owner' then return {'forbidden', 'Only the group’s owner changes roles.'} end
if user == me then return {'forbidden', 'The owner hands ownership over by making another member owner.'} end
if redis.call('SISMEMBER', KEYS[2], user) == 0 then return {'not_found', 'This user is not a member.'} end
if role_of(KEYS[3], user) == role then return {'ok', 0} end
local function tell(who, new_role)
  redis.call('SPUBLISH', ARGV[3], cjson.encode({type = 'chat_member_role', chat_id = ARGV[2], user_id = who,
    role = new_role, by = me}))
  append_system(me, {event = 'role_changed', user_id = who, role = new_role})
end
if role == 'member' then
  redis.call('HDEL', KEYS[3], user)
else
  redis.call('HSET', KEYS[3], user, role)
end
if role == 'owner' then
  redis.call('HSET', KEYS[3], me, 'admin')
  tell(user, 'owner')
  tell(me, 'admin')
else
  tell(user, role)
end
return {'ok', 1}

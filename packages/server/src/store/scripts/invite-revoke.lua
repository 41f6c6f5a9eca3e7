-- Revoke an invite code of a group (its owner or an admin): from now on no join accepts it, whatever
-- invite:{code} still says (the store deletes that next).
-- KEYS: the group keys (lib.lua)
-- ARGV[1] the caller, [2] chat id, [3] channel, [4] messages kept, [5] code
-- Returns {'ok'} | {'not_found', why} | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local refused = check_group_admin(ARGV[1])
if refused then return {refused, 'Only the group’s owner and admins revoke invite links.'} end
if redis.call('HDEL', KEYS[8], ARGV[5]) == 0 then return {'not_found', 'No such invite link in this group.'} end
return {'ok'}

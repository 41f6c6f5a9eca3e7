-- Join a group with an invite code: the chat's side (the user's chat list follows, user-chat.lua). The code
-- must be live in the group's own :invites hash (not revoked, not expired, not used up), checked here with
-- the join itself. A member already joins nothing and spends no use.
-- KEYS: the group keys (lib.lua)
-- ARGV[1] the caller, [2] chat id, [3] channel, [4] messages kept, [5] code, [6] most members
-- Returns {'ok', added (1|0), the id before the system message, uses left (-1: no limit)} | {'not_found', why}
-- | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me, code = ARGV[1], ARGV[5]
local gone = {'not_found', 'This invite link is no longer valid.'}
if redis.call('HGET', KEYS[1], 'kind') ~= 'group' then return gone end
local raw = redis.call('HGET', KEYS[8], code)
if not raw then return gone end
local invite = cjson.decode(raw)
if invite.expires_at <= now_seconds() or (invite.max_uses > 0 and invite.uses >= invite.max_uses) then
  redis.call('HDEL', KEYS[8], code)
  return gone
end
local before = tonumber(redis.call('HGET', KEYS[1], 'last_id'))
if redis.call('SISMEMBER', KEYS[2], me) == 1 then return {'ok', 0, before, -1} end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[6]) then return {'forbidden', 'This group is full.'} end
invite.uses = invite.uses + 1
local left = -1
if invite.max_uses > 0 then left = invite.max_uses - invite.uses end
if left == 0 then
  redis.call('HDEL', KEYS[8], code)
else
  redis.call('HSET', KEYS[8], code, cjson.encode(invite))
end
redis.call('SADD', KEYS[2], me)
redis.call('HSET', KEYS[9], me, code)
redis.call('SPUBLISH', ARGV[3],
  '{"type":"chat_member_added","chat_id":"' .. ARGV[2] .. '","user_id":"' .. me .. '","by":"' .. me .. '"}')
local sys_id = append_system(me, {event = 'joined_by_invite', user_id = me})
redis.call('ZADD', KEYS[4], sys_id, me)
redis.call('HSET', KEYS[7], me, sys_id)
marks_join(group_receipts(), me, sys_id)
return {'ok', 1, before, left}

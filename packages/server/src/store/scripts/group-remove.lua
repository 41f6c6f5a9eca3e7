-- A member leaves a group, or is removed from it: the chat's side; their chat list follows (user-chat.lua).
-- The owner may remove anyone, an admin plain members only. chat_member_removed goes out first: every worker
-- stops the user's connections from following the chat when it sees it (fanout/hub.ts), so nothing the
-- chat publishes after it reaches them, on any worker or instance. A group always has an owner: when the
-- owner goes, the oldest admin becomes owner, else the oldest member. The last member leaving deletes nothing.
-- KEYS: the group keys (lib.lua), [13] typing:{id}:{user}, [14] chat:{id}:mute
-- ARGV[1] the caller, [2] chat id, [3] channel, [4] messages kept, [5] the user who goes (the caller, to
-- leave), [6] 'leave' | 'remove'
-- Returns {'ok', gone (1|0), new owner ('' for none)} | {'not_found', why} | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me, user, leaving = ARGV[1], ARGV[5], ARGV[6] == 'leave'
local refused = check_group_member(me)
if refused then
  -- Leaving twice is no error (a retry after a lost answer); the store tells a stranger apart.
  if leaving and refused == 'not_found' and redis.call('HGET', KEYS[1], 'kind') == 'group' then return {'ok', 0, ''} end
  return {refused}
end
local role = role_of(KEYS[3], user)
if not leaving then
  if user == me then return {'forbidden', 'To leave a group, use leave_chat.'} end
  if redis.call('SISMEMBER', KEYS[2], user) == 0 then return {'not_found', 'This user is not a member.'} end
  local my_role = role_of(KEYS[3], me)
  if my_role == 'member' then return {'forbidden', 'Only the owner and admins remove members.'} end
  if my_role == 'admin' and role ~= 'member' then
    return {'forbidden', 'An admin removes members, not the owner or another admin.'}
  end
end
redis.call('SREM', KEYS[2], user)
redis.call('HDEL', KEYS[3], user)
redis.call('ZREM', KEYS[4], user)
redis.call('HDEL', KEYS[7], user)
redis.call('HDEL', KEYS[9], user)
redis.call('HDEL', KEYS[14], user)
redis.call('DEL', KEYS[13])
local R = group_receipts()
marks_ready(R)
marks_leave(R, user)
-- Written field by field: workers read the type and the user from the first bytes (bus-frame.ts).
redis.call('SPUBLISH', ARGV[3], '{"type":"chat_member_removed","chat_id":"' .. ARGV[2] .. '","user_id":"' .. user
  .. '","by":"' .. me .. '"}')
if leaving then
  append_system(me, {event = 'member_left', user_id = user})
else
  append_system(me, {event = 'member_removed', user_id = user})
end
-- Whoever held the chat's marks back is gone: they may rise.
tell_lows(R, ARGV[2], ARGV[3])
local new_owner = ''
if role == 'owner' then
  -- The oldest admin (the lowest joined score), else the oldest member.
  local best, best_score = nil, nil
  local roles = redis.call('HGETALL', KEYS[3])
  for i = 1, #roles, 2 do
    if roles[i + 1] == 'admin' then
      local score = tonumber(redis.call('ZSCORE', KEYS[4], roles[i]))
      if score and (not best or score < best_score or (score == best_score and roles[i] < best)) then
        best, best_score = roles[i], score
      end
    end
  end
  if not best then best = redis.call('ZRANGE', KEYS[4], 0, 0)[1] end
  if best then
    new_owner = best
    redis.call('HSET', KEYS[3], best, 'owner')
    redis.call('SPUBLISH', ARGV[3], cjson.encode({type = 'chat_member_role', chat_id = ARGV[2], user_id = best,
      role = 'owner', by = user}))
    append_system(user, {event = 'role_changed', user_id = best, role = 'owner'})
  end
end
return {'ok', 1, new_owner}

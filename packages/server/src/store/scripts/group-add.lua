-- Add users to a group (its owner or an admin): the chat's side; each added user's chat list follows
-- (user-chat.lua). Members already are left out; the group's size is capped. One system message
-- (`member_added`, with every added user) and a chat_member_added event per user.
-- KEYS: the group keys (lib.lua)
-- ARGV[1] the caller, [2] chat id, [3] channel, [4] messages kept, [5] the users' ids, space-separated,
-- [6] most members
-- Returns {'ok', the id before the system message, added ids…} | {'not_found'} | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me = ARGV[1]
local refused = check_group_admin(me)
if refused then return {refused} end
local room = tonumber(ARGV[6]) - redis.call('SCARD', KEYS[2])
local added = {}
for id in string.gmatch(ARGV[5], '%S+') do
  if redis.call('SISMEMBER', KEYS[2], id) == 0 then
    if #added >= room then
      if #added == 0 then return {'forbidden', 'This group is full.'} end
      break
    end
    redis.call('SADD', KEYS[2], id)
    added[#added + 1] = id
  end
end
local before = tonumber(redis.call('HGET', KEYS[1], 'last_id'))
if #added == 0 then return {'ok', before} end
for _, id in ipairs(added) do
  redis.call('SPUBLISH', ARGV[3],
    '{"type":"chat_member_added","chat_id":"' .. ARGV[2] .. '","user_id":"' .. id .. '","by":"' .. me .. '"}')
end
local info = {event = 'member_added', user_id = added[1]}
if #added > 1 then info.user_ids = added end
local sys_id = append_system(me, info)
-- What came before the user's arrival is not theirs to read; nothing before it is unread for them either.
local R = group_receipts()
for _, id in ipairs(added) do
  redis.call('ZADD', KEYS[4], sys_id, id)
  redis.call('HSET', KEYS[7], id, sys_id)
  marks_join(R, id, sys_id)
  redis.call('HDEL', KEYS[9], id)
end
local reply = {'ok', before}
for _, id in ipairs(added) do reply[#reply + 1] = id end
return reply

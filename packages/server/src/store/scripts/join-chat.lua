-- Join a public chat: the chat's side (the user's chat list follows, user-chat.lua). Joining twice is
-- harmless: no second chat_member_added.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:reads
-- ARGV[1] my id, [2] chat channel, [3] chat_member_added event (JSON), [4] most members
-- Returns {'ok', added, last_id} | {'not_found'} | {'forbidden', why} (the chat is full)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('HGET', KEYS[1], 'kind') ~= 'public' then return {'not_found'} end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 and redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  return {'forbidden', 'This chat is full.'}
end
local added = redis.call('SADD', KEYS[2], ARGV[1])
local last_id = redis.call('HGET', KEYS[1], 'last_id')
if added == 1 then
  -- A newcomer starts with the history read: it was written before they came.
  redis.call('HSETNX', KEYS[3], ARGV[1], last_id)
  redis.call('SPUBLISH', ARGV[2], ARGV[3])
end
return {'ok', added, tonumber(last_id)}

-- Join a public chat. Joining twice is harmless: no second chat_member_added.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] user_chats:{me}, [4] chat:{id}:reads
-- ARGV[1] my id, [2] chat id, [3] chat channel, [4] my user channel, [5] calling connection id,
-- [6] chat_member_added event (JSON), [7] joined event (JSON) for my other connections, [8] most members
-- Returns {'ok', added, last_id} | {'not_found'} | {'forbidden', why} (the chat is full)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('HGET', KEYS[1], 'kind') ~= 'public' then return {'not_found'} end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 and redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[8]) then
  return {'forbidden', 'This chat is full.'}
end
local added = redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
local last_id = redis.call('HGET', KEYS[1], 'last_id')
if added == 1 then
  -- A newcomer starts with the history read: it was written before they came.
  redis.call('HSETNX', KEYS[4], ARGV[1], last_id)
  redis.call('PUBLISH', ARGV[3], ARGV[6])
  redis.call('PUBLISH', ARGV[4], 'u+' .. ARGV[2] .. '@' .. last_id .. ' !' .. ARGV[5] .. '\n' .. ARGV[7])
end
return {'ok', added, tonumber(last_id)}

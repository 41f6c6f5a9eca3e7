-- Create a public chat with its creator as the first member.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] user_chats:{me}, [4] chats:public, [5] rate:chats:{me}
-- ARGV[1] my id, [2] chat id, [3] title, [4] my user channel, [5] calling connection id,
-- [6] the chat_created event (JSON) for my other connections, [7] chats a user may create per window,
-- [8] the window (s)
-- Returns {'ok'} | {'rate_limited', ttl}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local wait = over_limit(KEYS[5], ARGV[7], ARGV[8])
if wait then return {'rate_limited', wait, 'Too many new chats; try again in ' .. wait .. ' s.'} end
redis.call('HSET', KEYS[1], 'kind', 'public', 'title', ARGV[3], 'created_by', ARGV[1], 'created_at', now_seconds(),
  'last_id', 0)
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('PUBLISH', ARGV[4], 'u+' .. ARGV[2] .. '@0 !' .. ARGV[5] .. '\n' .. ARGV[6])
return {'ok'}

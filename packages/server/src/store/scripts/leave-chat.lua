-- Leave a public chat (extension).
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] user_chats:{me}, [4] typing:{id}:{me}
-- ARGV[1] my id, [2] chat id, [3] chat channel, [4] my user channel, [5] calling connection id,
-- [6] chat_member_removed event (JSON), [7] left event (JSON) for my other connections
-- Returns {'ok'} | {'not_found'} | {'forbidden'}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('HGET', KEYS[1], 'kind') ~= 'public' then return {'not_found'} end
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return {'forbidden'} end
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('DEL', KEYS[4])
redis.call('PUBLISH', ARGV[3], ARGV[6])
redis.call('PUBLISH', ARGV[4], 'u-' .. ARGV[2] .. ' !' .. ARGV[5] .. '\n' .. ARGV[7])
return {'ok'}

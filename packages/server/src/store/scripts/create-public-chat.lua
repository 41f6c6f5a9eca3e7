-- Create a public chat with its creator as the first member.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] user_chats:{me}, [4] chats:public
-- ARGV[1] my id, [2] chat id, [3] title, [4] my user channel, [5] calling connection id,
-- [6] the chat_created event (JSON) for my other connections
redis.call('HSET', KEYS[1], 'kind', 'public', 'title', ARGV[3], 'created_by', ARGV[1], 'created_at', now_seconds(),
  'last_id', 0)
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('PUBLISH', ARGV[4], 'u+' .. ARGV[2] .. '@0 !' .. ARGV[5] .. '\n' .. ARGV[6])
return 'ok'

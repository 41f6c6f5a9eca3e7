-- A deleted account leaves a chat: out of its members (public chats; a DM keeps both ids, so its peer still
-- sees who it was with), its marks and typing key gone, the members told.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:reads, [4] chat:{id}:mute, [5] typing:{id}:{user},
-- [6] chat:{id}:received (a DM's ordered marks keep the user, as its members do: what the peer sent them
-- was never delivered)
-- ARGV[1] the user, [2] chat channel, [3] chat_member_removed event (JSON)
-- Returns {kind ('' when the chat is gone), members left}
local kind = redis.call('HGET', KEYS[1], 'kind')
if not kind then return {'', 0} end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
redis.call('DEL', KEYS[5])
if kind ~= 'dm' and redis.call('SREM', KEYS[2], ARGV[1]) == 1 then redis.call('SPUBLISH', ARGV[2], ARGV[3]) end
return {kind, redis.call('SCARD', KEYS[2])}

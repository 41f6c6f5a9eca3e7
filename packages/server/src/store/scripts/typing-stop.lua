-- A user who went offline stops typing in a chat: the key goes, and the members are told if it was there.
-- KEYS[1] typing:{chat}:{user}; ARGV[1] chat channel, [2] the typing event (is_typing false, JSON)
if redis.call('DEL', KEYS[1]) == 1 then redis.call('SPUBLISH', ARGV[1], ARGV[2]) end
return 0

-- A member with push subscriptions joins (or leaves) the chat's list of members to push (contract section
-- 13), and the chat's hash carries `push` while that list is not empty: the send path reads that field with
-- the others it reads already, so a chat where nobody has push costs nothing more per message.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:push
-- ARGV[1] the user, [2] '+' (enrol: a member only) or '-'
-- Returns 1 when the user is on the list after this, else 0.
if ARGV[2] == '+' then
  if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return 0 end
  redis.call('HSETNX', KEYS[3], ARGV[1], 0)
  redis.call('HSET', KEYS[1], 'push', 1)
  return 1
end
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('HDEL', KEYS[1], 'push') end
return 0

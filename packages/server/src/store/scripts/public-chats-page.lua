-- One page of the public chats, the newest first, for GET /api/chats/public. chats:public is a Set (the
-- contract's); its index, a Sorted set scored by when each chat was listed, is walked by rank from the cursor
-- (the score and id of the previous page's last chat): chats listed meanwhile are newer and go before the
-- cursor, so a walk repeats and loses nothing. A cursor whose chat is no longer listed goes on from its
-- score. An index that disagrees with the set in size (chats listed before it existed) is completed here,
-- once: those chats count as the oldest (score 0).
-- KEYS[1] chats:public, [2] its index
-- ARGV[1] cursor ('' for the first page, else "<score>.<chat id>"), [2] page size
-- Returns {chat ids…, next cursor ('' at the end)}
if redis.call('ZCARD', KEYS[2]) ~= redis.call('SCARD', KEYS[1]) then
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('ZADD', KEYS[2], 'NX', 0, id) end
  if redis.call('ZCARD', KEYS[2]) ~= redis.call('SCARD', KEYS[1]) then
    for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
      if redis.call('SISMEMBER', KEYS[1], id) == 0 then redis.call('ZREM', KEYS[2], id) end
    end
  end
end
local size = tonumber(ARGV[2])
local rows
if ARGV[1] == '' then
  rows = redis.call('ZREVRANGE', KEYS[2], 0, size, 'WITHSCORES')
else
  local dot = string.find(ARGV[1], '.', 1, true)
  local score, after = string.sub(ARGV[1], 1, dot - 1), string.sub(ARGV[1], dot + 1)
  local rank = redis.call('ZREVRANK', KEYS[2], after)
  if rank then
    rows = redis.call('ZREVRANGE', KEYS[2], rank + 1, rank + 1 + size, 'WITHSCORES')
  else
    rows = redis.call('ZREVRANGEBYSCORE', KEYS[2], '(' .. score, '-inf', 'WITHSCORES', 'LIMIT', 0, size + 1)
  end
end
local ids, next_cursor = {}, ''
for i = 1, math.min(#rows / 2, size) do ids[i] = rows[i * 2 - 1] end
if #rows / 2 > size then next_cursor = rows[size * 2] .. '.' .. ids[size] end
ids[#ids + 1] = next_cursor
return ids

-- One page of a user's chat list, in chat id order, for GET /api/chats: the ids after a cursor (the last id
-- of the previous page). The list itself is a Set (the contract's user_chats), which cannot be walked in
-- pages without repeats or losses; its index, a Sorted set with every score 0 (ordered by id), can:
-- ZRANGEBYLEX from the cursor costs O(log n + page) and is exact under concurrent changes. The index is kept
-- by user-chat.lua; one that disagrees with the list in size (a list written before the index existed, or by
-- other code) is rebuilt from it here, once.
-- KEYS[1] user_chats:{user}, [2] its index
-- ARGV[1] cursor ('' for the first page), [2] page size
-- Returns {chat ids…, next cursor ('' at the end)}
if redis.call('ZCARD', KEYS[2]) ~= redis.call('SCARD', KEYS[1]) then
  redis.call('DEL', KEYS[2])
  local ids = redis.call('SMEMBERS', KEYS[1])
  for i = 1, #ids, 256 do
    local batch = {}
    for j = i, math.min(i + 255, #ids) do
      batch[#batch + 1] = 0
      batch[#batch + 1] = ids[j]
    end
    redis.call('ZADD', KEYS[2], unpack(batch))
  end
end
local size = tonumber(ARGV[2])
local from = '-'
if ARGV[1] ~= '' then from = '(' .. ARGV[1] end
local ids = redis.call('ZRANGEBYLEX', KEYS[2], from, '+', 'LIMIT', 0, size + 1)
local next_cursor = ''
if #ids > size then
  ids[#ids] = nil
  next_cursor = ids[#ids]
end
ids[#ids + 1] = next_cursor
return ids

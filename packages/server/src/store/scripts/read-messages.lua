-- Read a page of a chat's messages. The list holds ids last_id-len+1 … last_id with no gap, so a message's
-- index is its id minus the first id kept: no scan.
-- A page stops at `limit` messages or once its JSON passes a number of bytes (always at least one message),
-- whichever comes first: 200 messages of 16 KiB each would otherwise make a reply of 3 MiB, which Redis
-- buffers for as long as the server takes to read it (200 such syncs pipelined by one client grew Redis's
-- output buffers by nearly 1 GiB, issue 16). The list is read in slices, so a page cut short reads little
-- more than it returns.
-- In a group a member reads from their arrival on (chat:{id}:joined holds the first id each may read): what
-- was said before they came is not theirs. Other chats have no such key (ZSCORE of nothing: nil).
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:messages, [4] chat:{id}:joined
-- ARGV[1] my id, [2] 'after' (ids > n, oldest first) or 'before' (the newest ids < n), [3] n (0 with 'before':
-- the newest), [4] limit, [5] most bytes of a page
-- Returns {'ok', first_id_kept, {messages…}, more (1 when more messages follow the page in its direction)}
-- | {'not_found'} | {'forbidden'}
local refused = check_member(KEYS[1], KEYS[2], ARGV[1])
if refused then return {refused} end
local last_id = tonumber(redis.call('HGET', KEYS[1], 'last_id') or '0')
local first_id = last_id - redis.call('LLEN', KEYS[3]) + 1
-- The lowest id this reader may have: first_id (the oldest kept; list indexes count from it) or later.
local floor_id = first_id
local since = tonumber(redis.call('ZSCORE', KEYS[4], ARGV[1]))
if since and since > floor_id then floor_id = since end
local n, limit, max_bytes = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local from_id, to_id
if ARGV[2] == 'after' then
  from_id = math.max(n + 1, floor_id)
  to_id = math.min(from_id + limit - 1, last_id)
else
  if n == 0 or n > last_id + 1 then n = last_id + 1 end
  to_id = n - 1
  from_id = math.max(to_id - limit + 1, floor_id)
end
if from_id > to_id then return {'ok', floor_id, {}, 0} end

local SLICE = 32
local page, bytes = {}, 0
if ARGV[2] == 'after' then
  -- Oldest first, from from_id on: the page ends early at the byte cap.
  local id = from_id
  while id <= to_id and (bytes < max_bytes or #page == 0) do
    local upto = math.min(id + SLICE - 1, to_id)
    for _, message in ipairs(redis.call('LRANGE', KEYS[3], id - first_id, upto - first_id)) do
      if #page > 0 and bytes + #message > max_bytes then break end
      page[#page + 1] = message
      bytes = bytes + #message
    end
    if #page < upto - from_id + 1 then break end
    id = upto + 1
  end
  local more = 0
  if from_id + #page - 1 < last_id then more = 1 end
  return {'ok', floor_id, page, more}
end
-- The newest before n: read back from to_id, then put the page in id order.
local newest_first = {}
local id = to_id
while id >= from_id and (bytes < max_bytes or #newest_first == 0) do
  local lowest = math.max(id - SLICE + 1, from_id)
  local slice = redis.call('LRANGE', KEYS[3], lowest - first_id, id - first_id)
  for i = #slice, 1, -1 do
    if #newest_first > 0 and bytes + #slice[i] > max_bytes then break end
    newest_first[#newest_first + 1] = slice[i]
    bytes = bytes + #slice[i]
  end
  if #newest_first < to_id - lowest + 1 then break end
  id = lowest - 1
end
for i = #newest_first, 1, -1 do page[#page + 1] = newest_first[i] end
local more = 0
if to_id - #page + 1 > floor_id then more = 1 end
return {'ok', floor_id, page, more}

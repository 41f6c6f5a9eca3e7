-- The messages changed after a change id (sync's `updates`, contract section 11), as they now stand: each
-- message once, in the order of its latest change, oldest first; only those the chat still keeps, the reader
-- may read (a group's :joined floor) and with id <= after_id (newer ones come in sync's `messages`). At most
-- max_bytes of them (always one at least): the reply's change_id is then where they stopped, and `more` says
-- to ask again from it.
-- KEYS[1] chat:{id}, [2] :members, [3] :messages, [4] :changes, [5] :joined
-- ARGV[1] my id, [2] after_change_id, [3] after_id, [4] most bytes
-- Returns {'ok', change_id, reset (1: changes after after_change_id are no longer all kept), more, {messages…}}
-- | {'not_found'} | {'forbidden'}
local me = ARGV[1]
local refused = check_member(KEYS[1], KEYS[2], me)
if refused then return {refused} end
local after, after_id, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local last = last_change_id()
local first_change = last - redis.call('LLEN', KEYS[4]) + 1
-- Older than what is kept, or newer than the chat has (its Redis lost data): the reader starts over.
if after < first_change - 1 or after > last then return {'ok', last, 1, 0, {}} end
if after == last then return {'ok', last, 0, 0, {}} end

local ids = redis.call('LRANGE', KEYS[4], after - first_change + 1, -1)
-- Each message at its latest change: walk back, keep the first sighting.
local latest, order = {}, {}
for i = #ids, 1, -1 do
  local id = tonumber(ids[i])
  if not latest[id] then
    latest[id] = after + i
    order[#order + 1] = id
  end
end
local first_id = kept_range(KEYS[1], KEYS[3])
local floor_id = first_id
local since = tonumber(redis.call('ZSCORE', KEYS[5], me))
if since and since > floor_id then floor_id = since end

local page, bytes, reached = {}, 0, last
for i = #order, 1, -1 do
  local id = order[i]
  if id >= floor_id and id <= after_id then
    local message = redis.call('LINDEX', KEYS[3], id - first_id)
    if #page > 0 and bytes + #message > max_bytes then
      -- Stop before this one: the next sync asks from the change before it.
      reached = latest[id] - 1
      return {'ok', reached, 0, 1, page}
    end
    page[#page + 1] = message
    bytes = bytes + #message
  end
end
return {'ok', reached, 0, 0, page}

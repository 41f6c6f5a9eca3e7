-- Create a group: its record, members, owner and first system message (`created`). Idempotent: a creation a
-- crash cut short is finished by the next call with the same chat id (the store retries with it), and a
-- group that exists is left as it is.
-- KEYS: the group keys (lib.lua)
-- ARGV[1] the creator, [2] chat id, [3] channel, [4] messages kept, [5] title, [6] description,
-- [7] the other members' ids, space-separated ('' for none)
-- Returns {'ok', created (1|0), last_id}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'ok', 0, tonumber(redis.call('HGET', KEYS[1], 'last_id') or '0')}
end
local creator = ARGV[1]
redis.call('HSET', KEYS[1], 'kind', 'group', 'title', ARGV[5], 'description', ARGV[6], 'created_by', creator,
  'created_at', now_seconds(), 'last_id', 0)
redis.call('HSET', KEYS[3], creator, 'owner')
local members = {creator}
for id in string.gmatch(ARGV[7], '%S+') do
  if id ~= creator then members[#members + 1] = id end
end
-- Nobody follows the chat's channel yet: the message is published to no one, and each member's connections
-- fetch it when they attach (from id 0).
local id = append_system(creator, {event = 'created', title = ARGV[5]})
for i = 1, #members, 256 do
  local batch, scores, reads = {}, {}, {}
  for j = i, math.min(i + 255, #members) do
    batch[#batch + 1] = members[j]
    scores[#scores + 1] = id
    scores[#scores + 1] = members[j]
    reads[#reads + 1] = members[j]
    reads[#reads + 1] = id
  end
  redis.call('SADD', KEYS[2], unpack(batch))
  redis.call('ZADD', KEYS[4], unpack(scores))
  redis.call('HSET', KEYS[7], unpack(reads))
  -- Everyone's receipt marks start at the first message (marks_join in lib.lua, in bulk).
  redis.call('ZADD', KEYS[11], unpack(scores))
  redis.call('ZADD', KEYS[12], unpack(scores))
end
redis.call('HSET', KEYS[1], 'received_id', id, 'read_id', id)
return {'ok', 1, id}

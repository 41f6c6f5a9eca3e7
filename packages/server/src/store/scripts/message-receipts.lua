-- Message info (contract section 10): who of a DM's or group's members read and received a message, and when.
-- A read, not a change: it only reads the receipt keys, in one slot, so the lists agree with one another.
-- Members who joined after the message (chat:{id}:joined above its id) and the sender are left out. `at` is
-- the second a member's mark first reached the message (read_times / received_times, kept for the chat's last
-- 1,000 messages); when that is no longer kept, the message's own time stands for it.
-- KEYS[1] chat:{id}, [2] :members, [3] :messages, [4] :roles, [5] :joined, [6] :reads, [7] :received,
-- [8] :read_times, [9] :received_times
-- ARGV[1] my id, [2] message id
-- Returns {'ok', {user, at, user, at…} read, {user, at…} delivered, {user…} pending} | {'not_found'}
local me, id = ARGV[1], tonumber(ARGV[2])
local refused = check_member(KEYS[1], KEYS[2], me)
if refused then return {'not_found'} end
local chat = redis.call('HMGET', KEYS[1], 'kind', 'last_id')
local kind, last_id = chat[1], tonumber(chat[2]) or 0
if kind == 'public' then return {'not_found'} end
local first_id = last_id - redis.call('LLEN', KEYS[3]) + 1
if id < first_id or id > last_id then return {'not_found'} end
local message = cjson.decode(redis.call('LINDEX', KEYS[3], id - first_id))
local sender = message.sender_id
if sender ~= me then
  local role = redis.call('HGET', KEYS[4], me)
  if kind ~= 'group' or (role ~= 'admin' and role ~= 'owner') then return {'not_found'} end
end

-- Each member's first rise to the message or past it: the lowest score at or above its id is that rise.
local function first_times(times_key)
  local first = {}
  local entries = redis.call('ZRANGEBYSCORE', times_key, id, '+inf')
  for _, entry in ipairs(entries) do
    local user, second = string.match(entry, '^(.*):(%d+)$')
    if user and not first[user] then first[user] = tonumber(second) end
  end
  return first
end
local read_at, received_at = first_times(KEYS[8]), first_times(KEYS[9])

local read, delivered, pending = {}, {}, {}
for _, user in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local since = tonumber(redis.call('ZSCORE', KEYS[5], user))
  if user ~= sender and not (since and since > id) then
    local read_mark = tonumber(redis.call('HGET', KEYS[6], user)) or 0
    local received_mark = tonumber(redis.call('HGET', KEYS[7], user)) or 0
    if read_mark >= id then
      read[#read + 1] = user
      read[#read + 1] = read_at[user] or received_at[user] or message.created_at
    elseif received_mark >= id then
      delivered[#delivered + 1] = user
      delivered[#delivered + 1] = received_at[user] or message.created_at
    else
      pending[#pending + 1] = user
    end
  end
end
return {'ok', read, delivered, pending}

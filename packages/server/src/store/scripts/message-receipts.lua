-- Message info (contract section 10): who of a DM's or group's members read and received a message, and the
-- second their mark first reached it. For the message's sender, or a group's admins and owner; anyone else,
-- a public chat, a system message or one no longer kept is not_found. Members who joined after the message
-- are not its recipients; the sender is not listed.
-- Times come from the logged rises (log_rise in lib.lua): for each member, the lowest logged mark at or above
-- the id is the first rise that reached it. A rise no longer logged (past the last 1,000 messages, or the
-- log's cap in a big group) gives 0, and the caller uses the message's own time.
-- KEYS[1] chat:{id}, [2] :members, [3] :roles, [4] :joined, [5] :messages, [6] :reads, [7] :received,
-- [8] :read_times, [9] :received_times
-- ARGV[1] the caller, [2] message id
-- Returns {'ok', created_at, {user, at, …} read, {user, at, …} delivered, {user, …} pending} | {'not_found', why}
local me, id = ARGV[1], tonumber(ARGV[2])
local chat = redis.call('HMGET', KEYS[1], 'kind', 'last_id')
if not chat[1] or chat[1] == 'public' or redis.call('SISMEMBER', KEYS[2], me) == 0 then
  return {'not_found', 'No such chat.'}
end
local last_id = tonumber(chat[2]) or 0
local first_id = last_id - redis.call('LLEN', KEYS[5]) + 1
if id > last_id or id < first_id then return {'not_found', 'No such message.'} end
local message = cjson.decode(redis.call('LINDEX', KEYS[5], id - first_id))
if message.msg_type == 'system' then return {'not_found', 'A system message has no receipts.'} end
local group = chat[1] == 'group'
if group and (tonumber(redis.call('ZSCORE', KEYS[4], me)) or 0) > id then return {'not_found', 'No such message.'} end
if message.sender_id ~= me then
  local role = group and redis.call('HGET', KEYS[3], me)
  if role ~= 'owner' and role ~= 'admin' then
    return {'not_found', 'Message info is for the sender of a message (and a group’s admins).'}
  end
end

local function first_rises(times_key)
  local at = {}
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', times_key, id, '+inf')) do
    local user, second = string.match(entry, '^(.*):(%d+)$')
    if user and not at[user] then at[user] = second end
  end
  return at
end
local read_at, received_at = first_rises(KEYS[8]), first_rises(KEYS[9])
local read, delivered, pending = {}, {}, {}
for _, user in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local joined = group and tonumber(redis.call('ZSCORE', KEYS[4], user)) or 0
  if user ~= message.sender_id and joined <= id then
    local read_mark = tonumber(redis.call('HGET', KEYS[6], user)) or 0
    local received_mark = math.max(read_mark, tonumber(redis.call('HGET', KEYS[7], user)) or 0)
    if read_mark >= id then
      read[#read + 1] = user
      read[#read + 1] = read_at[user] or 0
    elseif received_mark >= id then
      delivered[#delivered + 1] = user
      delivered[#delivered + 1] = received_at[user] or read_at[user] or 0
    else
      pending[#pending + 1] = user
    end
  end
end
return {'ok', message.created_at, read, delivered, pending}

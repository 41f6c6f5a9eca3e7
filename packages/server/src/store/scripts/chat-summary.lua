-- What the chat list shows of one chat, for one member, at a cost that does not grow with the chat's size:
-- the member count by SCARD (members only for a DM, two of them), the member's own read mark and mute by HGET,
-- and the chat's lowest received and read marks as its hash keeps them (receipts in lib.lua), never the whole
-- reads hash.
-- A group adds the member's role. The ids not counted as unread (:system: a group's system messages, and
-- deleted messages in any chat) above the member's read mark are counted by ZCOUNT, O(log n).
-- The last message shown is the newest that is neither system nor deleted among the last LAST_MESSAGE_SCAN
-- (else the newest not deleted among them, else none): a bounded walk back.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:messages, [4] chat:{id}:reads, [5] chat:{id}:mute,
-- [6] chat:{id}:roles, [7] chat:{id}:system, [8] chat:{id}:mentions
-- ARGV[1] the member's id
-- Returns {} when the chat does not exist, else {kind, title, last_id, created_at, member count, DM peer ('' for
-- a public chat), last message JSON ('' for none), own read mark, muted until, role ('' but in a group), ids
-- not unread above the read mark, the chat's received_id, its read_id (both 0 in a public chat), the chat's
-- last_change_id, the newest message mentioning the member above their read mark and not deleted (0: none),
-- the chat's picture ('' none)}
local me = ARGV[1]
local chat = redis.call('HMGET', KEYS[1], 'kind', 'title', 'last_id', 'created_at', 'received_id', 'read_id',
  'last_change_id', 'avatar_url')
if not chat[1] then return {} end
local count, peer = redis.call('SCARD', KEYS[2]), ''
if chat[1] == 'dm' then
  for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if member ~= me then peer = member end
  end
end
local read = tonumber(redis.call('HGET', KEYS[4], me)) or 0
local role = ''
if chat[1] == 'group' then role = redis.call('HGET', KEYS[6], me) or 'member' end
local system = redis.call('ZCOUNT', KEYS[7], '(' .. read, '+inf')

-- Message changes (contract section 11). A stored message is JSON whose strings escape every `"`, so these
-- fields' names with their quotes are found only as fields: `"deleted_by":` is a deleted message's alone.
local function is_deleted(json) return string.find(json, '"deleted_by":', 1, true) ~= nil end
-- The newest message that is neither a system message nor deleted, looked for among the last 20 one by one:
-- nearly always the newest itself (a page of 200 chats must not read 20 messages of up to 16 KiB each).
local LAST_MESSAGE_SCAN = 20
local last_message, fallback = nil, nil
for i = -1, -LAST_MESSAGE_SCAN, -1 do
  local json = redis.call('LINDEX', KEYS[3], i)
  if not json then break end
  if not is_deleted(json) then
    fallback = fallback or json
    if not string.find(json, '"msg_type":"system"', 1, true) then
      last_message = json
      break
    end
  end
end
local mentioned = tonumber(redis.call('HGET', KEYS[8], me)) or 0
if mentioned > read then
  local last_id = tonumber(chat[3]) or 0
  local index = mentioned - (last_id - redis.call('LLEN', KEYS[3]) + 1)
  local json = index >= 0 and redis.call('LINDEX', KEYS[3], index)
  if not json or is_deleted(json) then mentioned = 0 end
else
  mentioned = 0
end

return {chat[1], chat[2] or '', tonumber(chat[3]) or 0, tonumber(chat[4]) or 0, count, peer,
  last_message or fallback or '', read, tonumber(redis.call('HGET', KEYS[5], me)) or 0, role, system,
  tonumber(chat[5]) or 0, tonumber(chat[6]) or 0, tonumber(chat[7]) or 0, mentioned, chat[8] or ''}

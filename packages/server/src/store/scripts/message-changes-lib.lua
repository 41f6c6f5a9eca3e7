-- Message changes (contract section 11): helpers prepended (after lib.lua) to the scripts that change a stored
-- message (edit-message, delete-message, react), read the changes (read-changes) or quote one
-- (send-message-rich); redis.ts lists them in WITH_CHANGES_LIB.
--
-- Every change script takes the same first KEYS:
--   [1] chat:{id}, [2] :members, [3] :messages, [4] :changes, [5] :joined, [6] :roles, [7] :system,
--   [8] :quotes, [9] the actor's rate counter (single Redis) or chat:{id} again (cluster: the caller counts)
-- and the same first ARGV:
--   [1] the actor, [2] the chat id, [3] the chat's channel, [4] changes kept (CHANGES_KEEP), [5] the message id,
--   [6] the message rate limit (0: counted by the caller), [7] the rate window (s)
-- A change is: the message decoded (cjson), changed, encoded again (encode_message), LSET in place, the chat's
-- last_change_id raised, the message id appended to :changes (trimmed to CHANGES_KEEP) and message_updated
-- published with the whole message as it now stands.

-- The ids the chat's list keeps: first_id … last_id, with no gap (a message's index is its id − first_id).
local function kept_range(chat_key, messages_key)
  local last_id = tonumber(redis.call('HGET', chat_key, 'last_id') or '0')
  return last_id - redis.call('LLEN', messages_key) + 1, last_id
end

-- A quote's preview: the body's first characters, at most `max` UTF-16 units (what the protocol's maxLength
-- counts in JavaScript), never cutting a UTF-8 sequence (Lua 5.1 has no utf8 library: a byte walk).
local function preview_of(text, max)
  local units, i, n = 0, 1, #text
  while i <= n do
    local b = string.byte(text, i)
    local len, width = 1, 1
    if b >= 0xF0 then
      len, width = 4, 2
    elseif b >= 0xE0 then
      len = 3
    elseif b >= 0xC0 then
      len = 2
    end
    if units + width > max then return string.sub(text, 1, i - 1) end
    units = units + width
    i = i + len
  end
  return text
end

-- A quote (a reply's reply_to), its fields in a fixed order.
local function encode_quote(q)
  local text = '{"id":' .. q.id .. ',"sender_id":' .. cjson.encode(q.sender_id) .. ',"msg_type":'
    .. cjson.encode(q.msg_type)
  if q.preview ~= nil then text = text .. ',"preview":' .. cjson.encode(q.preview) end
  if q.deleted then text = text .. ',"deleted":true' end
  return text .. '}'
end

-- emoji → [user ids], sorted by emoji; nil when no one reacts (never `{}`: cjson writes an empty table so).
local function encode_reactions(reactions)
  local emojis = {}
  for emoji, users in pairs(reactions) do
    if #users > 0 then emojis[#emojis + 1] = emoji end
  end
  if #emojis == 0 then return nil end
  table.sort(emojis)
  local parts = {}
  for i, emoji in ipairs(emojis) do parts[i] = cjson.encode(emoji) .. ':' .. cjson.encode(reactions[emoji]) end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- A message's fields in this order, then any other in name order. `id` must come first: the hub reads a
-- stored message's id from its first bytes (`{"id":`).
local FIELD_ORDER = {'id', 'sender_id', 'body', 'msg_type', 'created_at', 'client_msg_id', 'system', 'media', 'reply_to',
  'mentions', 'forwarded', 'edited_at', 'deleted', 'deleted_by', 'reactions'}

local function encode_message(m)
  local parts, seen = {}, {}
  for _, field in ipairs(FIELD_ORDER) do
    seen[field] = true
    local value = m[field]
    if value ~= nil and value ~= cjson.null then
      local text
      if field == 'reply_to' then
        text = encode_quote(value)
      elseif field == 'reactions' then
        text = encode_reactions(value)
      elseif field == 'mentions' then
        if #value > 0 then text = cjson.encode(value) end
      else
        text = cjson.encode(value)
      end
      if text then parts[#parts + 1] = '"' .. field .. '":' .. text end
    end
  end
  local others = {}
  for field in pairs(m) do
    if not seen[field] then others[#others + 1] = field end
  end
  table.sort(others)
  for _, field in ipairs(others) do parts[#parts + 1] = cjson.encode(field) .. ':' .. cjson.encode(m[field]) end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- nil, or the refusal when a block stands in the DM (as send-message.lua: neither side writes, and an edit or a
-- reaction writes to the other). Deleting stays allowed: it only takes away.
local function check_unblocked(me)
  local blocked = redis.call('HGET', KEYS[1], 'blocked')
  if not blocked then return nil end
  if string.find(' ' .. blocked .. ' ', ' ' .. me .. ' ', 1, true) then
    return {'forbidden', 'You blocked this user: unblock them to write to them.'}
  end
  return {'forbidden', 'You cannot write to this user.'}
end


-- The message `id` as `reader` may act on it: its table and list index, or nil and {code, why}.
local function find_message(reader, id)
  local first_id, last_id = kept_range(KEYS[1], KEYS[3])
  if id > last_id then return nil, {'invalid_payload', 'message_id is above the chat’s last message.'} end
  if id < first_id then return nil, {'not_found', 'That message is no longer kept.'} end
  -- In a group, what was said before the reader joined is not theirs (read-messages.lua).
  local since = tonumber(redis.call('ZSCORE', KEYS[5], reader))
  if since and id < since then return nil, {'not_found', 'That message is from before you joined.'} end
  return cjson.decode(redis.call('LINDEX', KEYS[3], id - first_id)), id - first_id
end

-- The message ARGV[5] as `me` may write to it (an edit, a reaction): a member, no block standing in a DM, the
-- message kept and theirs to read. Returns its table and list index, or nil and the refusal.
local function message_to_write(me)
  local refused = check_member(KEYS[1], KEYS[2], me)
  if refused then return nil, {refused} end
  local blocked = check_unblocked(me)
  if blocked then return nil, blocked end
  return find_message(me, tonumber(ARGV[5]))
end

-- Publishes an event about message `id` on the chat's channel. Members who joined the group after it (their
-- :joined floor is above it) may not read it: the frame then names them (`x<user> <user>…\n<json>`, see
-- fanout/bus-frame.ts) and their connections skip it. Other chats have no :joined key: one cheap miss.
local function publish_about(id, event)
  local unable = redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. id, '+inf')
  if #unable == 0 then
    redis.call('SPUBLISH', ARGV[3], event)
  else
    redis.call('SPUBLISH', ARGV[3], 'x' .. table.concat(unable, ' ') .. '\n' .. event)
  end
end

-- Stores the changed message at `index`, counts the change and tells the members; returns the change id.
local function record_change(index, message)
  local json = encode_message(message)
  redis.call('LSET', KEYS[3], index, json)
  local change_id = redis.call('HINCRBY', KEYS[1], 'last_change_id', 1)
  local keep = tonumber(ARGV[4])
  if redis.call('RPUSH', KEYS[4], message.id) > keep then redis.call('LTRIM', KEYS[4], -keep, -1) end
  publish_about(message.id, '{"type":"message_updated","chat_id":"' .. ARGV[2] .. '","change_id":' .. change_id
    .. ',"message":' .. json .. '}')
  return change_id
end

-- Every kept reply quoting message `id` (chat:{id}:quotes: reply id → quoted id) gets `quote` as its reply_to,
-- each as a change of its own; a reply whose quote is that already is left alone.
local function requote(id, quote)
  local first_id = kept_range(KEYS[1], KEYS[3])
  local text = encode_quote(quote)
  for _, reply_id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[8], id, id)) do
    local index = tonumber(reply_id) - first_id
    if index >= 0 then
      local reply = cjson.decode(redis.call('LINDEX', KEYS[3], index))
      if reply.reply_to and reply.reply_to.id == id and encode_quote(reply.reply_to) ~= text then
        reply.reply_to = quote
        record_change(index, reply)
      end
    end
  end
end

local function last_change_id()
  return tonumber(redis.call('HGET', KEYS[1], 'last_change_id') or '0')
end

-- Runs a change (`change()` returns {'ok', change_id, 1 changed | 0 a no-op} or a refusal) counted against the
-- actor's message rate, as a send is: on a single Redis here (ARGV[6] > 0), on a cluster by the caller. A
-- refusal or a no-op gives its unit back.
local function counted_change(change)
  if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
  local counted = tonumber(ARGV[6]) > 0
  if counted then
    local wait = over_limit(KEYS[9], ARGV[6], ARGV[7])
    if wait then return {'rate_limited', wait} end
  end
  local reply = change()
  if counted and (reply[1] ~= 'ok' or reply[3] == 0) then give_back(KEYS[9]) end
  return reply
end

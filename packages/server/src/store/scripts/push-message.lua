-- Who of a chat's members to push a new message to, as far as the chat can tell (contract section 13): the
-- members with push subscriptions, not the sender, and not those who muted the chat unless it mentions them.
-- Whether each is away, and where to push them, is their own slot's (push-recipient.lua). Members who left are
-- taken off the list here.
-- KEYS[1] chat:{id}, [2] :members, [3] :messages, [4] :push, [5] :mute
-- ARGV[1] the message id, [2] now (Unix s)
-- Returns {} (nothing to push: the message is gone or deleted, or nobody to push), or {message JSON, kind,
-- title, avatar_url, then user, '1' mentioned or '0', for each member to push}.
local id = tonumber(ARGV[1])
local chat = redis.call('HMGET', KEYS[1], 'last_id', 'kind', 'title', 'avatar_url')
local last_id = tonumber(chat[1] or '0')
local first_id = last_id - redis.call('LLEN', KEYS[3]) + 1
if id < first_id or id > last_id then return {} end
local message = redis.call('LINDEX', KEYS[3], id - first_id)
if not message then return {} end
local decoded = cjson.decode(message)
if decoded.deleted then return {} end
local mentioned = {}
if type(decoded.mentions) == 'table' then
  for _, user in ipairs(decoded.mentions) do mentioned[user] = true end
end
local now = tonumber(ARGV[2])
local out = {message, chat[2] or '', chat[3] or '', chat[4] or ''}
for _, user in ipairs(redis.call('HKEYS', KEYS[4])) do
  if redis.call('SISMEMBER', KEYS[2], user) == 0 then
    redis.call('HDEL', KEYS[4], user)
  elseif user ~= decoded.sender_id then
    local muted_until = tonumber(redis.call('HGET', KEYS[5], user) or '0') or 0
    if muted_until <= now or mentioned[user] then
      out[#out + 1] = user
      out[#out + 1] = mentioned[user] and '1' or '0'
    end
  end
end
if redis.call('EXISTS', KEYS[4]) == 0 then redis.call('HDEL', KEYS[1], 'push') end
return out

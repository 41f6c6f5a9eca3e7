-- Who of a chat's members to push a new message to, as far as the chat can tell (contract section 13): the
-- members with push subscriptions, not the sender, and not those who muted the chat unless it mentions them;
-- in a public chat, only those it mentions.
-- Whether each is away, and where to push them, is their own slot's (push-recipient.lua). Members who left are
-- taken off the list here.
-- KEYS[1] chat:{id}, [2] :members, [3] :messages, [4] :push, [5] :mute, [6] :push_done
-- ARGV[1] the message id, [2] now (Unix s), [3] '1' for an entry taken from the queue new ('0': one taken over
-- from a worker that died, which may have got this far)
-- A message queued twice (its send repeated after the ack was lost: send-message.lua queues a repeat too) is
-- pushed once: the chat keeps the ids of its last PUSH_DONE_KEPT messages decided here.
-- Returns {} (nothing to push: the message is gone or deleted, or nobody to push), or {message JSON, kind,
-- title, avatar_url, then user, '1' mentioned or '0', for each member to push}.
local PUSH_DONE_KEPT = 128
local id = tonumber(ARGV[1])
if ARGV[3] == '1' then
  if redis.call('ZSCORE', KEYS[6], id) then return {} end
  redis.call('ZADD', KEYS[6], id, id)
  redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -PUSH_DONE_KEPT - 1)
end
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
-- A public chat (any size) pushes the members it mentions (50 at most), as a channel does; others every member
-- on the list.
local candidates
if chat[2] == 'public' then
  candidates = {}
  for user in pairs(mentioned) do
    if redis.call('HEXISTS', KEYS[4], user) == 1 then candidates[#candidates + 1] = user end
  end
else
  candidates = redis.call('HKEYS', KEYS[4])
end
for _, user in ipairs(candidates) do
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

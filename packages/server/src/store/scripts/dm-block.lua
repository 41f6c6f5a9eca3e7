-- Mirror blocks between a DM's two members into the DM's own hash, where send-message.lua checks them with
-- one HGET: blocks:{user} lives in another slot than the chat, which a script on a Redis Cluster cannot read.
-- Each member's mark (block-set.lua) is kept as block:<user>, the newest winning; `blocked` then holds the
-- members whose block stands (space-separated), and is absent when none does.
-- A chat not made yet is left alone (create-chat.lua makes it only while its hash does not exist); the DM's
-- creation mirrors the marks itself once it has made it (store/chats.ts).
-- KEYS[1] chat:{id}, [2] chat:{id}:members
-- ARGV pairs: a member, their mark (+n blocked, −n unblocked); one or two pairs
-- Returns 1 when the chat is a DM (mirrored), else 0.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('HGET', KEYS[1], 'kind') ~= 'dm' then return 0 end
for i = 1, #ARGV - 2, 2 do
  local user, mark = ARGV[i], tonumber(ARGV[i + 1])
  if redis.call('SISMEMBER', KEYS[2], user) == 1 then
    local kept = tonumber(redis.call('HGET', KEYS[1], 'block:' .. user) or '0')
    if math.abs(mark) > math.abs(kept) then redis.call('HSET', KEYS[1], 'block:' .. user, mark) end
  end
end
local blockers = {}
for _, user in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if tonumber(redis.call('HGET', KEYS[1], 'block:' .. user) or '0') > 0 then blockers[#blockers + 1] = user end
end
if #blockers > 0 then
  table.sort(blockers)
  redis.call('HSET', KEYS[1], 'blocked', table.concat(blockers, ' '))
else
  redis.call('HDEL', KEYS[1], 'blocked')
end
return 1

-- Add a chat to a user's chat list, or remove it, and tell the user's connections when the list changed
-- (attach or detach them). The user's channel has the list's key as its hash tag: one slot.
-- KEYS[1] user_chats:{user}
-- ARGV[1] '+' add / '-' remove, [2] chat id, [3] the user's channel, [4] the user frame to publish
-- Returns 1 when the list changed, else 0 (nothing published).
local changed
if ARGV[1] == '+' then
  changed = redis.call('SADD', KEYS[1], ARGV[2])
else
  changed = redis.call('SREM', KEYS[1], ARGV[2])
end
if changed == 1 then redis.call('SPUBLISH', ARGV[3], ARGV[4]) end
return changed

-- Add a chat to a user's chat list, or remove it, and tell the user's connections when the list changed
-- (attach or detach them). The user's channel has the list's key as its hash tag: one slot. The list's
-- index (for paging, chat-list-page.lua) follows it, and an added chat's place held by reserve-chat.lua is
-- taken.
-- KEYS[1] user_chats:{user}, [2] its reservations, [3] its index (Sorted set, score 0: by chat id)
-- ARGV[1] '+' add / '-' remove, [2] chat id, [3] the user's channel, [4] the user frame to publish
-- Returns 1 when the list changed, else 0 (nothing published).
local changed
if ARGV[1] == '+' then
  changed = redis.call('SADD', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('ZADD', KEYS[3], 0, ARGV[2])
else
  changed = redis.call('SREM', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[2])
end
if changed == 1 then redis.call('SPUBLISH', ARGV[3], ARGV[4]) end
return changed

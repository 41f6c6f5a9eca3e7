-- Whether a user is away (contract section 13), and if so where to push them: no connection of theirs is
-- open, or every one has said it is not in front of them (set_active false, set-active.lua) for at least
-- PUSH_IDLE_S. One slot: the user's connections, hidden connections and subscriptions.
-- KEYS[1] presence:conns:{user}, [2] presence:hidden:{user}, [3] push:subs:{user}
-- ARGV[1] now (Unix s), [2] PUSH_IDLE_S
-- Returns the user's subscriptions (JSON each) when they are away, else {}.
if redis.call('EXISTS', KEYS[3]) == 0 then return {} end
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
for _, conn in ipairs(redis.call('HKEYS', KEYS[1])) do
  local since = tonumber(redis.call('HGET', KEYS[2], conn) or '')
  if not since or now - since < idle then return {} end
end
return redis.call('HVALS', KEYS[3])

-- Note whether a connection is in front of its user (set_active, contract section 13): a connection is
-- active unless listed here as hidden, with the second it went hidden. The push rule reads this with the
-- user's connections (push-recipient.lua). Entries of connections that are gone are pruned here.
-- KEYS[1] presence:conns:{user}, [2] presence:hidden:{user}
-- ARGV[1] connection id, [2] '1' active or '0' hidden, [3] now (Unix s)
-- Returns 1 when noted, 0 when the connection is not recorded (nothing is kept for it).
local names = redis.call('HKEYS', KEYS[2])
for _, name in ipairs(names) do
  if redis.call('HEXISTS', KEYS[1], name) == 0 then redis.call('HDEL', KEYS[2], name) end
end
if ARGV[2] == '1' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
-- Hidden since the first time it said so: a repeat does not restart the idle time.
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3])
return 1

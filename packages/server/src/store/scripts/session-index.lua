-- A user's list of sessions: record a session's expiry (new or refreshed), forget expired ones, and past the
-- cap hand back the least recently used for the caller to end. The list expires with its last session.
-- KEYS[1] user_sessions:{user}
-- ARGV[1] session id, [2] its expiry (Unix ms), [3] most sessions kept
-- Returns the session ids evicted (usually none).
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local evicted = {}
if excess > 0 then
  evicted = redis.call('ZRANGE', KEYS[1], 0, excess - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return evicted

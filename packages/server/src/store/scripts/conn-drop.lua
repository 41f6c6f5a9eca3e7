-- Forget a connection record, if this worker still owns it (a connection re-recorded under the worker's new
-- lease is not the old lease's to drop).
-- KEYS[1] presence:conns:{user}, [2] presence:hidden:{user} (its note of the connection goes with it)
-- ARGV[1] connection id, [2] worker id, [3] '1' to repair: also report a user with no connection left when the
-- record was already gone (a drop a crash cut short before the user was marked offline)
-- Returns 1 when the user has no connection left and should be marked offline, else 0.
local dropped = 0
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  dropped = redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
if redis.call('HLEN', KEYS[1]) > 0 then return 0 end
if dropped == 1 or ARGV[3] == '1' then return 1 end
return 0

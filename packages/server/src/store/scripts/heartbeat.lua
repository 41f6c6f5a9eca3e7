-- Renew a worker's lease on the connection records it owns.
-- KEYS[1] presence:workers; ARGV[1] worker id, [2] lease expiry (ms)
-- Returns 1 when the lease was there, 0 when it had lapsed and was reaped (the worker re-registers its
-- connections then).
local existed = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if existed then return 1 end
return 0

-- Renew a worker's lease on the connection records it owns.
-- KEYS[1] presence:workers; ARGV[1] worker id, [2] lease expiry (ms), [3] '1' for a new lease
-- A lease that is missing, or negative (a reaper claimed it, see claim-workers.lua), is not renewed: the
-- worker takes a new worker id and a new lease, and records its connections again under it.
-- Returns 1 when the lease is held, 0 when it was lost.
local score = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if ARGV[3] ~= '1' and (not score or score < 0) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1

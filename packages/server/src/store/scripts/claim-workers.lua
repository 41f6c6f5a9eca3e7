-- Claim workers whose records must be dropped: leases expired (a process killed without closing), or one
-- named worker (a clean shutdown). A claim is the lease's score made negative, -(claim expiry): the worker
-- cannot renew it, and another reaper takes it over only once the claim expired (a reaper that died).
-- KEYS[1] presence:workers; ARGV[1] now (ms), [2] claim expiry (ms), [3] a worker id, or '' for expired ones
-- Returns the worker ids claimed.
local workers
if ARGV[3] ~= '' then
  workers = {ARGV[3]}
else
  -- Expired leases have a score in [0, now]; expired claims in (-now, 0).
  workers = redis.call('ZRANGEBYSCORE', KEYS[1], '(-' .. ARGV[1], ARGV[1], 'LIMIT', 0, 16)
end
for _, worker_id in ipairs(workers) do redis.call('ZADD', KEYS[1], '-' .. ARGV[2], worker_id) end
return workers

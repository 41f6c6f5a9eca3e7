-- A reaper dropped every record of a worker it claimed: forget the worker's lease, if still claimed.
-- KEYS[1] presence:workers; ARGV[1] worker id
local score = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if score and score < 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0

-- Drop every connection record of workers whose lease expired (a process killed without closing), or of one
-- named worker (a clean shutdown), so their users go offline.
-- KEYS[1] presence:workers; ARGV[1] key prefix, [2] now (ms), [3] a worker id, or '' for every expired one
-- Returns {workers released, users gone offline}.
local prefix = ARGV[1]
local workers
if ARGV[3] ~= '' then
  workers = {ARGV[3]}
else
  workers = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, 16)
end
local now = now_seconds()
local gone = 0
for _, worker_id in ipairs(workers) do
  local set = prefix .. 'presence:worker:' .. worker_id
  for _, entry in ipairs(redis.call('SMEMBERS', set)) do
    local space = string.find(entry, ' ', 1, true)
    gone = gone + drop_conn(prefix, string.sub(entry, 1, space - 1), string.sub(entry, space + 1), worker_id, now)
  end
  redis.call('DEL', set)
  redis.call('ZREM', KEYS[1], worker_id)
end
return {#workers, gone}

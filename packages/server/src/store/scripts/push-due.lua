-- Claims the pushes due for another try (push:retry, scored by when, Unix ms): each one taken is pushed past a
-- lease, so another worker does not take it meanwhile, and a worker that dies holding it leaves it to be
-- taken again when the lease runs out.
-- KEYS[1] push:retry
-- ARGV[1] now (Unix ms), [2] the lease (ms), [3] at most this many
-- Returns the claimed members.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], until_ms, member) end
return due

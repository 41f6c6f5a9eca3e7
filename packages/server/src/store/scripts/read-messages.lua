-- Read a page of a chat's messages. The list holds ids last_id-len+1 … last_id with no gap, so a message's
-- index is its id minus the first id kept: no scan.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:messages
-- ARGV[1] my id, [2] 'after' (ids > n, oldest first) or 'before' (the newest ids < n), [3] n (0 with 'before':
-- the newest), [4] limit
-- Returns {'ok', first_id_kept, {messages…}} | {'not_found'} | {'forbidden'}
local refused = check_member(KEYS[1], KEYS[2], ARGV[1])
if refused then return {refused} end
local last_id = tonumber(redis.call('HGET', KEYS[1], 'last_id') or '0')
local first_id = last_id - redis.call('LLEN', KEYS[3]) + 1
local n, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local from_id, to_id
if ARGV[2] == 'after' then
  from_id = math.max(n + 1, first_id)
  to_id = math.min(from_id + limit - 1, last_id)
else
  if n == 0 or n > last_id + 1 then n = last_id + 1 end
  to_id = n - 1
  from_id = math.max(to_id - limit + 1, first_id)
end
if from_id > to_id then return {'ok', first_id, {}} end
return {'ok', first_id, redis.call('LRANGE', KEYS[3], from_id - first_id, to_id - first_id)}

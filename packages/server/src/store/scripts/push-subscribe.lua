-- Keep a device's push subscription (contract section 13): push:subs:{user_id}, endpoint → subscription JSON
-- (`{"endpoint","keys":{…},"at":<unix s>}`). The same endpoint again replaces its keys. A user keeps at most
-- ARGV[3]: a new endpoint past that replaces the least recently subscribed one.
-- KEYS[1] push:subs:{user_id}
-- ARGV[1] the endpoint, [2] the subscription JSON, [3] the most kept, [4] its `at`
-- Returns {'ok', the endpoint it replaced or '', 1 when the count of subscriptions grew else 0}.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local replaced = ''
local known = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if not known and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest, oldest_at = nil, nil
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local at = tonumber(cjson.decode(all[i + 1]).at) or 0
    if oldest_at == nil or at < oldest_at then oldest, oldest_at = all[i], at end
  end
  redis.call('HDEL', KEYS[1], oldest)
  replaced = oldest
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {'ok', replaced, (known or replaced ~= '') and 0 or 1}

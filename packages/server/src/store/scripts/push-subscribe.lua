-- Keep a device's push subscription (contract section 13): push:subs:{user_id}, endpoint → subscription JSON
-- (`{"endpoint","keys":{…},"at":<unix s>,"session"}`). The same endpoint again replaces its keys. A user keeps
-- at most ARGV[3]: a new endpoint past that replaces the least recently subscribed one.
-- The web client sends its subscription at every start: one unchanged (same keys, same session) and kept less
-- than ARGV[6] seconds ago is left as it is, and the caller does not enrol the user in their chats again.
-- KEYS[1] push:subs:{user_id}
-- ARGV[1] the endpoint, [2] the subscription JSON, [3] the most kept, [4] its `at`, [5] its p256dh, [6] its auth,
-- [7] its session ('' none): what "unchanged" compares, [8] how long an unchanged one stands (s)
-- Returns {'ok', the endpoint it replaced or '', 1 when the count of subscriptions grew else 0, 1 when it was
-- unchanged and recent (nothing written) else 0}.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local kept = redis.call('HGET', KEYS[1], ARGV[1])
if kept then
  local old = cjson.decode(kept)
  local same = type(old.keys) == 'table' and old.keys.p256dh == ARGV[5] and old.keys.auth == ARGV[6]
    and (old.session or '') == ARGV[7]
  if same and tonumber(old.at or 0) > tonumber(ARGV[4]) - tonumber(ARGV[8]) then
    return {'ok', '', 0, 1}
  end
end
local replaced = ''
if not kept and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
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
return {'ok', replaced, (kept or replaced ~= '') and 0 or 1, 0}

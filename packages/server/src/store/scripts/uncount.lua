-- Give back one hit of a fixed-window limit (count.lua) that turned out not to count: a send refused or
-- found a repeat. A counter back at zero goes, so a refused action leaves nothing written.
-- KEYS[1] the counter
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then
  redis.call('DECR', KEYS[1])
elseif count == 1 then
  redis.call('DEL', KEYS[1])
end
return 0

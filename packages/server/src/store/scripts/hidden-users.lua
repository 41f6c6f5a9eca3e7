-- The users hidden from a user (read only): those they blocked and those who blocked them. Neither side sees
-- the other's presence, typing or last seen (contract section 9).
-- KEYS[1] blocks:{user}, [2] blocked_by:{blocks:{user}}
-- Returns the user ids, each once.
local hidden = redis.call('SMEMBERS', KEYS[1])
local seen = {}
for _, user in ipairs(hidden) do seen[user] = true end
local marks = redis.call('HGETALL', KEYS[2])
for i = 1, #marks, 2 do
  if tonumber(marks[i + 1]) > 0 and not seen[marks[i]] then
    seen[marks[i]] = true
    hidden[#hidden + 1] = marks[i]
  end
end
return hidden

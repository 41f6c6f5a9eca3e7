-- Rotate a session's refresh token. The current one (or, within a short grace, the one just replaced: a
-- refresh whose answer was lost, two tabs racing) gets a new pair. One that was rotated before is a copy in
-- someone else's hands: the session ends, whoever holds it.
-- KEYS[1] session:{id}
-- ARGV[1] SHA-256 of the presented refresh secret, [2] SHA-256 of the new one, [3] the new access token,
-- [4] grace (ms) for the previous refresh token, [5] session TTL (s), [6] rotated hashes remembered
-- Returns {'ok', user_id, access token replaced, access token to revoke} (both '' when none)
-- | {'reused', user_id, access, access_prev} (the session is gone) | {'invalid'}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local s = redis.call('HMGET', KEYS[1], 'user_id', 'refresh', 'prev', 'prev_until', 'rotated', 'access', 'access_prev')
local user, current, prev, rotated = s[1], s[2], s[3] or '', s[5] or ''
if not user then return {'invalid'} end
local access, access_prev = s[6] or '', s[7] or ''
local presented = ARGV[1]
local now = now_ms()
local within_grace = presented == prev and now <= tonumber(s[4] or '0')
if presented == current or within_grace then
  -- Hashes no longer honoured are remembered, newest first, so a later use of one is recognised as theft.
  local gone = current
  if presented == current then gone = prev end
  local kept = {}
  if gone ~= '' then kept[1] = gone end
  for hash in string.gmatch(rotated, '%S+') do
    if #kept >= tonumber(ARGV[6]) then break end
    kept[#kept + 1] = hash
  end
  redis.call('HSET', KEYS[1], 'refresh', ARGV[2], 'rotated', table.concat(kept, ' '), 'access', ARGV[3],
    'access_prev', access, 'last_used', now_seconds())
  if presented == current then redis.call('HSET', KEYS[1], 'prev', presented, 'prev_until', now + tonumber(ARGV[4])) end
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return {'ok', user, access, access_prev}
end
if presented == prev or string.find(' ' .. rotated .. ' ', ' ' .. presented .. ' ', 1, true) then
  redis.call('DEL', KEYS[1])
  return {'reused', user, access, access_prev}
end
return {'invalid'}

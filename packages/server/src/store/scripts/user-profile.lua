-- A user's profile: 'touch' updates it when the user exists (a connection authenticating), 'ensure' also
-- creates it when missing (a login, a temporary account).
-- KEYS[1] user:{id}
-- ARGV[1] 'touch' | 'ensure', [2] username ('' keeps it), [3] avatar_url ('' keeps it), [4] username for a
-- new user; 'ensure' only: [5] '1' when a new user is a temporary account, [6] 'phone' | 'email' | '' and
-- [7] the address the user logs in with (recorded on the profile)
-- Returns 1 when the user exists (now), 0 when it does not ('touch' only).
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[1] ~= 'ensure' then return 0 end
  local username = ARGV[2]
  if username == '' then username = ARGV[4] end
  redis.call('HSET', KEYS[1], 'username', username, 'avatar_url', ARGV[3], 'created_at', now_seconds())
  if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'temporary', '1') end
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], ARGV[6], ARGV[7]) end
  return 1
end
if ARGV[1] == 'ensure' and ARGV[6] ~= '' then redis.call('HSET', KEYS[1], ARGV[6], ARGV[7]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'username', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'avatar_url', ARGV[3]) end
return 1

-- A member is (or stopped) typing: the key lives 5 s; the other members are told, at most once per throttle
-- window (2 s) for `true`, and `false` only when the user was typing.
-- One account sending thousands of `typing` frames would otherwise fan each out to every member (issue 16):
-- a repeat of `true` within the window of the last published one keeps the key alive and publishes nothing.
-- The window is kept in its own key (typing_sent), not in the typing key's TTL, so that alternating
-- true/false cannot dodge it: a `true` after a `false` within the window publishes nothing and creates no
-- typing key, so the `false` that follows has nothing to announce either (at most one true and one false per
-- window reach the members).
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] typing:{id}:{me}, [4] typing_sent:{id}:{me}
-- ARGV[1] my id, [2] '1' typing / '0' stopped, [3] TTL (s), [4] chat channel, [5] the typing event (JSON),
-- [6] the throttle window (ms)
-- Returns {'ok', published (1|0)} | {'not_found'} | {'forbidden'}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local refused = check_member(KEYS[1], KEYS[2], ARGV[1])
if refused then return {refused} end
if ARGV[2] == '1' then
  if redis.call('EXISTS', KEYS[4]) == 1 then
    -- Told less than a window ago: only keep the state alive while the user goes on typing.
    redis.call('EXPIRE', KEYS[3], ARGV[3]) -- a missing key stays missing
    return {'ok', 0}
  end
  redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[6])
elseif redis.call('DEL', KEYS[3]) == 0 then
  -- Not typing (or already announced as stopped): nothing to tell.
  return {'ok', 0}
end
redis.call('SPUBLISH', ARGV[4], ARGV[5])
return {'ok', 1}

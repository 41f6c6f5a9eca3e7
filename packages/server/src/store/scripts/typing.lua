-- A member is (or stopped) typing: the key lives 5 s; the other members are told, within bounds.
-- One account sending thousands of `typing` frames would otherwise fan each out to every member (issue 16).
-- The throttle window (2 s) starts when a `true` is told and is kept in its own key, typing_sent (the count of
-- `true`s told in it), not in the typing key's TTL, so that alternating true/false cannot dodge it:
-- - `true` while typing: told again only once the window has passed (members hide "typing…" after 5 s without
--   news); within it, it only keeps the key alive;
-- - `true` after a stop (no typing key): told, unless two were told in the window already (a user who sends
--   and goes on typing is seen at once; a flood is not);
-- - `false`: told only when the user was typing (the key existed).
-- So at most two `true`s and two `false`s per window reach the members, whatever is sent.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] typing:{id}:{me}, [4] typing_sent:{id}:{me}
-- ARGV[1] my id, [2] '1' typing / '0' stopped, [3] TTL (s), [4] chat channel, [5] the typing event (JSON),
-- [6] the throttle window (ms)
-- Returns {'ok', told (1|0)} | {'not_found'} | {'forbidden'}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local refused = check_member(KEYS[1], KEYS[2], ARGV[1])
if refused then return {refused} end
if ARGV[2] == '1' then
  local told = tonumber(redis.call('GET', KEYS[4]) or '0')
  local typing = redis.call('EXISTS', KEYS[3]) == 1
  if (typing and told > 0) or told >= 2 then
    -- Told recently enough: only keep the state alive (a missing key stays missing).
    redis.call('EXPIRE', KEYS[3], ARGV[3])
    return {'ok', 0}
  end
  redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
  if redis.call('INCR', KEYS[4]) == 1 then redis.call('PEXPIRE', KEYS[4], ARGV[6]) end
elseif redis.call('DEL', KEYS[3]) == 0 then
  -- Not typing (or already announced as stopped): nothing to tell.
  return {'ok', 0}
end
redis.call('SPUBLISH', ARGV[4], ARGV[5])
return {'ok', 1}

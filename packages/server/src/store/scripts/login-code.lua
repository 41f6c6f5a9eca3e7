-- Ask for a login code for an address: a pending code is sent again (never replaced, so a code someone else's
-- request made stays valid for whoever received it), else a new one is made; either way the requester gets a
-- challenge of their own whose wrong tries are counted apart. The answer does not say which happened.
-- KEYS[1] login_code:{addr}, [2] rate:login:addr:{addr} (codes sent in the window), [3] login_fail:{addr}
-- ARGV[1] a fresh code (used when none is pending), [2] the new challenge id, [3] the code's life after a
-- send (s), [4] sends allowed per window, [5] the window (s), [6] wrong codes allowed per day, [7] least ms
-- between two sends of one code (asking again sooner opens a challenge without sending), [8] most challenges
-- one code may have
-- Returns {'ok', code, send (1: deliver it now), fresh (1: a new code)} | {'rate_limited', seconds, why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[6]) then
  return {'rate_limited', math.max(redis.call('TTL', KEYS[3]), 1),
    'Too many wrong codes for this address today; try again later.'}
end
local now = now_ms()
local code = redis.call('HGET', KEYS[1], 'code')
local fresh = 0
local send = 1
if code then
  -- code, last_sent and the anonymous tries are the hash's other fields.
  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[8]) + 3 then
    return {'rate_limited', math.max(redis.call('TTL', KEYS[1]), 1),
      'Too many requests for this address; use the code already sent.'}
  end
  if now - tonumber(redis.call('HGET', KEYS[1], 'last_sent') or '0') < tonumber(ARGV[7]) then send = 0 end
else
  code = ARGV[1]
  fresh = 1
end
if send == 1 then
  local wait = over_limit(KEYS[2], ARGV[4], ARGV[5])
  if wait then return {'rate_limited', wait, 'Too many codes sent to this address; try again in ' .. wait .. ' s.'} end
  redis.call('HSET', KEYS[1], 'code', code, 'last_sent', now)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
redis.call('HSET', KEYS[1], 'ch:' .. ARGV[2], 0)
return {'ok', code, send, fresh}

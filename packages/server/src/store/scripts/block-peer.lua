-- Mirror a block's mark (block-set.lua) into the blocked user's slot, so that "who blocked this user" is one
-- read there (hidden-users.lua). A mark older than the one kept changes nothing: racing block and unblock
-- calls end with the newest whatever order they arrive in.
-- KEYS[1] blocked_by:{blocks:{peer}}
-- ARGV[1] the blocker, [2] the mark (+n blocked, −n unblocked)
-- Returns 1 when kept, 0 when an as new or newer mark was there.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local mark = tonumber(ARGV[2])
local kept = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if math.abs(kept) >= math.abs(mark) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], mark)
return 1

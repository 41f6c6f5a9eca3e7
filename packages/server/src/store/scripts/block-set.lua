-- Block or unblock a user: the blocker's own set (the contract's blocks:{user}) and their mark for that peer,
-- in the blocker's slot. The mark numbers the blocker's changes of one peer (+n a block, −n an unblock, n one
-- more each time), so the mirrors in other slots (blocked_by:{peer}, the DM's chat hash: block-peer.lua,
-- dm-block.lua) keep the newest change whatever order racing calls reach them in. Every call makes a new mark,
-- a repeat too: a retry after a crash between the steps (store/blocks.ts) mirrors it again.
-- KEYS[1] blocks:{me}, [2] block_marks:{blocks:{me}}
-- ARGV[1] '+' block / '-' unblock, [2] the peer, [3] most users one may block
-- Returns {'ok', changed (1|0), mark (0: an unblock of someone never blocked: nothing to mirror)}
-- | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local peer = ARGV[2]
local last = tonumber(redis.call('HGET', KEYS[2], peer) or '0')
local changed
if ARGV[1] == '+' then
  changed = 0
  if redis.call('SISMEMBER', KEYS[1], peer) == 0 then
    if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[3]) then
      return {'forbidden', 'You blocked ' .. ARGV[3] .. ' users already, the most there may be: unblock someone first.'}
    end
    changed = redis.call('SADD', KEYS[1], peer)
  end
else
  changed = redis.call('SREM', KEYS[1], peer)
  if last == 0 then return {'ok', changed, 0} end
end
local mark = math.abs(last) + 1
if ARGV[1] == '-' then mark = -mark end
redis.call('HSET', KEYS[2], peer, mark)
return {'ok', changed, mark}

-- Make room in a user's chat list for one chat before the chat's side is changed (MAX_CHATS_PER_USER).
-- The list and the chat are in two slots, and the chat's side goes first (see store/chats.ts): this step, in
-- the list's slot, holds a place for the chat so that concurrent joins and creations cannot pass the cap
-- together. The place is taken by user-chat.lua when the chat is listed, given back by the caller when the
-- chat's side refuses, and expires by itself if the caller died in between.
-- KEYS[1] user_chats:{user}, [2] its reservations (Sorted set chat id → expiry, ms)
-- ARGV[1] chat id, [2] most chats, [3] how long a place is held (ms)
-- Returns {'ok', held (1 | 0: listed already, no place needed)} | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {'ok', 0} end
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local held = redis.call('ZCARD', KEYS[2])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then held = held - 1 end
if redis.call('SCARD', KEYS[1]) + held >= tonumber(ARGV[2]) then
  return {'forbidden', 'The chat list is full (' .. ARGV[2] .. ' chats): leave a chat first.'}
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {'ok', 1}

-- Forget an upload nothing refers to any more (store/media.ts decided so from a read of every chat it went to),
-- unless it was claimed again since that read (sent_at changed): then it stays for the next look.
-- KEYS[1] media:{id}, [2] media:{id}:chats
-- ARGV[1] sent_at as read ('' when it had none)
-- Returns 1 when forgotten (the caller deletes its bytes), else 0.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return 0 end
if (redis.call('HGET', KEYS[1], 'sent_at') or '') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1

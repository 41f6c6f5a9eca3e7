-- List a public chat in the directory: chats:public (the contract's Set) and its index by creation time
-- (public-chats-page.lua). The last step of creating a public chat (see store/chats.ts).
-- KEYS[1] chats:public, [2] its index (Sorted set chat id → listed at, ms)
-- ARGV[1] chat id
-- Returns 1
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 'NX', now_ms(), ARGV[1])
return 1

-- Find or create the one DM of a pair. Scripts run one at a time, so two users creating their DM at the same
-- moment get the same chat.
-- KEYS[1] dm:{low}:{high}, [2] user:{peer}, [3] user_chats:{me}, [4] user_chats:{peer}, [5] chat:{new},
-- [6] chat:{new}:members, [7] rate:chats:{me}
-- ARGV[1] my id, [2] peer id, [3] new chat id, [4] my user channel, [5] peer's user channel,
-- [6] calling connection id, [7] chats a user may create per window, [8] the window (s)
-- Returns {'ok', chat_id, created} | {'not_found'} | {'rate_limited', ttl} (only a new DM counts)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me, peer, chat = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[2]) == 0 then return {'not_found'} end
local existing = redis.call('GET', KEYS[1])
if existing then return {'ok', existing, 0} end
local wait = over_limit(KEYS[7], ARGV[7], ARGV[8])
if wait then return {'rate_limited', wait, 'Too many new chats; try again in ' .. wait .. ' s.'} end
redis.call('SET', KEYS[1], chat)
redis.call('HSET', KEYS[5], 'kind', 'dm', 'title', '', 'created_by', me, 'created_at', now_seconds(), 'last_id', 0)
redis.call('SADD', KEYS[6], me, peer)
redis.call('SADD', KEYS[3], chat)
redis.call('SADD', KEYS[4], chat)
-- Each side's open connections attach to the chat and learn of it; the caller's own gets the reply instead.
redis.call('PUBLISH', ARGV[5], 'u+' .. chat .. '@0\n{"type":"dm_ready","chat_id":"' .. chat ..
  '","peer_user_id":"' .. me .. '"}')
redis.call('PUBLISH', ARGV[4], 'u+' .. chat .. '@0 !' .. ARGV[6] .. '\n{"type":"dm_ready","chat_id":"' .. chat ..
  '","peer_user_id":"' .. peer .. '"}')
return {'ok', chat, 1}

-- A single Redis only: the sender's rate count and the send (send-message.lua) in one script, one round trip
-- instead of two. On a Redis Cluster the counter lives in another slot than the chat, and messages.ts runs
-- count.lua, then send-message.lua. redis.ts loads this after send-message.lua wrapped as a function,
-- send_message(), so the send is the same code either way.
-- KEYS[1..12] and ARGV[1..9] as send-message.lua; KEYS[13] the sender's rate counter; ARGV[10] the limit,
-- [11] the window (s)
-- Returns what send-message.lua returns, or {'rate_limited', seconds left in the window}
local wait = over_limit(KEYS[13], ARGV[10], ARGV[11])
if wait then return {'rate_limited', wait} end
local reply = send_message()
-- Refused, a repeat, or past its deadline: not a new message, so it does not count.
if reply[1] ~= 'ok' or reply[3] == 1 then give_back(KEYS[13]) end
return reply

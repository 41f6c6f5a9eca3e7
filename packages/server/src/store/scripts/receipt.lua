-- A member's device received (`received`) or the member read (`read_receipt`) a chat up to a message: raise
-- their marks (a read raises both; a mark never falls), tell the members who did in small chats, and tell
-- `chat_receipts` when the chat's lowest mark rose (contract section 10).
-- KEYS: the receipt keys (receipt_keys in lib.lua): [1] chat:{id}, [2] :members, [3] :reads, [4] :received,
-- [5] :read_marks, [6] :received_marks, [7] :read_times, [8] :received_times
-- ARGV[1] my id, [2] message id, [3] chat id, [4] chat channel, [5] 'read' or 'received',
-- [6] RECEIPTS_FANOUT_MAX_MEMBERS; KEYS[9] chat:{id}:push (members pushed → the last message id pushed)
-- Returns {'ok', changed, close} | {'not_found'} | {'forbidden'} | {'invalid_payload'} (above the chat's last id)
-- (close: 1 when a read reached what was pushed to the reader: the caller queues a push that closes the
-- chat's notification on their devices, contract section 13)
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local R = receipt_keys(1)
local me, message_id, chat_id, channel = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local is_read = ARGV[5] == 'read'
local refused = check_member(R.chat, R.members, me)
if refused then return {refused} end
local chat = redis.call('HMGET', R.chat, 'last_id', 'kind', 'received_id', 'read_id')
if message_id > (tonumber(chat[1]) or 0) then return {'invalid_payload'} end
local tracked = chat[2] ~= 'public'
local built = tracked and marks_ready(R)
local told_received, told_read = tonumber(chat[3]) or 0, tonumber(chat[4]) or 0
local close = 0
if is_read then
  local pushed = tonumber(redis.call('HGET', KEYS[9], me) or '0') or 0
  if pushed > 0 and pushed <= message_id then
    redis.call('HSET', KEYS[9], me, 0)
    close = 1
  end
end
local received_rose, read_rose, held = raise_marks(R, me, message_id, is_read, tracked, told_received, told_read)
if not received_rose and not read_rose then return {'ok', 0, close} end
-- Who did what goes to every member only in small chats: in a big one, that is the square of its size.
if redis.call('SCARD', R.members) <= tonumber(ARGV[6]) then
  if read_rose then
    redis.call('SPUBLISH', channel, '{"type":"read_receipt","chat_id":"' .. chat_id .. '","message_id":' .. message_id
      .. ',"user_id":"' .. me .. '","read_at":' .. now_seconds() .. '}')
  elseif received_rose and tracked then
    redis.call('SPUBLISH', channel, '{"type":"delivered_receipt","chat_id":"' .. chat_id .. '","message_id":'
      .. message_id .. ',"user_id":"' .. me .. '","delivered_at":' .. now_seconds() .. '}')
  end
end
if tracked and (held or built) then tell_lows(R, chat_id, channel, told_received, told_read) end
return {'ok', 1, close}

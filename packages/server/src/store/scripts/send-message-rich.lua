-- A message with a quote (reply_to), mentions, a forwarded body (contract section 11) or media (section 12):
-- checked here, then
-- stored by send-message.lua (loaded before this as the function send_message(), as in
-- send-message-counted.lua), whose message JSON gets the extra fields. A plain text message never comes here:
-- its path costs nothing more.
-- KEYS[1..12] as send-message.lua; [13] chat:{id}:quotes, [14] chat:{id}:mentions, [15] chat:{id}:joined,
-- [16] the sender's rate counter (single Redis) or chat:{id} again (cluster: the caller counts)
-- ARGV[1..9] as send-message.lua; [10] the rate limit (0: counted by the caller), [11] the window (s),
-- [12] the quoted id (0: none), [13] the mentioned users, space-separated, distinct ('' none), [14] '1' for a
-- forward, [15] the preview's length (UTF-16 units), [16] the message's `media` JSON ('' none: the caller read
-- it from media:{id}, which media-claim.lua made sure the sender may send), [17] its media id
-- Returns what send-message.lua returns, or {'invalid_payload', why} | {'rate_limited', seconds left}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
local function send_rich()
  local me = ARGV[1]
  local refused = check_member(KEYS[1], KEYS[2], me)
  if refused then return {refused} end
  -- A repeat (its client_msg_id seen) gets its first id, whatever became of what it quotes.
  if ARGV[4] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then return send_message() end

  local extra = ''
  local quoted_id = tonumber(ARGV[12])
  if quoted_id > 0 then
    local first_id, last_id = kept_range(KEYS[1], KEYS[3])
    if quoted_id > last_id then return {'invalid_payload', 'reply_to: no such message in this chat.'} end
    if quoted_id < first_id then return {'invalid_payload', 'reply_to: that message is no longer kept.'} end
    local since = tonumber(redis.call('ZSCORE', KEYS[15], me))
    if since and quoted_id < since then
      return {'invalid_payload', 'reply_to: that message is from before you joined.'}
    end
    local quoted = cjson.decode(redis.call('LINDEX', KEYS[3], quoted_id - first_id))
    if quoted.deleted then return {'invalid_payload', 'reply_to: that message was deleted.'} end
    if quoted.msg_type == 'system' then return {'invalid_payload', 'reply_to: a system message cannot be answered.'} end
    extra = ',"reply_to":' .. encode_quote({id = quoted_id, sender_id = quoted.sender_id, msg_type = quoted.msg_type,
      preview = preview_of(quoted.body or '', tonumber(ARGV[15]))})
  end
  -- Only members are mentioned (the sender aside); the rest are left out without a word.
  local mentioned = {}
  for user in string.gmatch(ARGV[13], '%S+') do
    if user ~= me and redis.call('SISMEMBER', KEYS[2], user) == 1 then mentioned[#mentioned + 1] = user end
  end
  if #mentioned > 0 then extra = extra .. ',"mentions":' .. cjson.encode(mentioned) end
  if ARGV[14] == '1' then extra = extra .. ',"forwarded":true' end
  if ARGV[16] ~= '' then extra = ',"media":' .. ARGV[16] .. extra end
  ARGV[2] = ARGV[2] .. extra

  local reply = send_message()
  if reply[1] ~= 'ok' or reply[3] == 1 then return reply end
  local id = reply[2]
  if quoted_id > 0 then
    -- Quotes go with the messages they quote: none below the first kept id.
    redis.call('ZADD', KEYS[13], quoted_id, id)
    redis.call('ZREMRANGEBYSCORE', KEYS[13], '-inf', '(' .. kept_range(KEYS[1], KEYS[3]))
  end
  for _, user in ipairs(mentioned) do redis.call('HSET', KEYS[14], user, id) end
  -- A public chat pushes only those it mentions (send-message.lua queues no other of its messages).
  if #mentioned > 0 and reply[5] == 0 and redis.call('HEXISTS', KEYS[1], 'push') == 1 then reply[5] = 1 end
  if ARGV[16] ~= '' then add_media_ref(KEYS[1], KEYS[11], KEYS[12], id, ARGV[17]) end
  return reply
end

if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local counted = tonumber(ARGV[10]) > 0
if counted then
  local wait = over_limit(KEYS[16], ARGV[10], ARGV[11])
  if wait then return {'rate_limited', wait} end
end
local reply = send_rich()
-- Refused, a repeat, or past its deadline: not a new message, so it does not count.
if counted and (reply[1] ~= 'ok' or reply[3] == 1) then give_back(KEYS[16]) end
return reply

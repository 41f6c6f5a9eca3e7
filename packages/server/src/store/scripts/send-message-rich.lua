-- A message with a quote (reply_to), mentions or a forwarded body (contract section 11): checked here, then
-- stored by send-message.lua (loaded before this as the function send_message(), as in
-- send-message-counted.lua), whose message JSON gets the extra fields. A plain text message never comes here:
-- its path costs nothing more.
-- KEYS[1..5] as send-message.lua; [6] chat:{id}:quotes, [7] chat:{id}:mentions, [8] chat:{id}:joined,
-- [9] the sender's rate counter (single Redis) or chat:{id} again (cluster: the caller counts)
-- ARGV[1..8] as send-message.lua; [9] the rate limit (0: counted by the caller), [10] the window (s),
-- [11] the quoted id (0: none), [12] the mentioned users, space-separated, distinct ('' none), [13] '1' for a
-- forward, [14] the preview's length (UTF-16 units)
-- Returns what send-message.lua returns, or {'invalid_payload', why} | {'rate_limited', seconds left}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
local function send_rich()
  local me = ARGV[1]
  local refused = check_member(KEYS[1], KEYS[2], me)
  if refused then return {refused} end
  -- A repeat (its client_msg_id seen) gets its first id, whatever became of what it quotes.
  if ARGV[4] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then return send_message() end

  local extra = ''
  local quoted_id = tonumber(ARGV[11])
  if quoted_id > 0 then
    local first_id, last_id = kept_range(KEYS[1], KEYS[3])
    if quoted_id > last_id then return {'invalid_payload', 'reply_to: no such message in this chat.'} end
    if quoted_id < first_id then return {'invalid_payload', 'reply_to: that message is no longer kept.'} end
    local since = tonumber(redis.call('ZSCORE', KEYS[8], me))
    if since and quoted_id < since then
      return {'invalid_payload', 'reply_to: that message is from before you joined.'}
    end
    local quoted = cjson.decode(redis.call('LINDEX', KEYS[3], quoted_id - first_id))
    if quoted.deleted then return {'invalid_payload', 'reply_to: that message was deleted.'} end
    if quoted.msg_type == 'system' then return {'invalid_payload', 'reply_to: a system message cannot be answered.'} end
    extra = ',"reply_to":' .. encode_quote({id = quoted_id, sender_id = quoted.sender_id, msg_type = quoted.msg_type,
      preview = preview_of(quoted.body or '', tonumber(ARGV[14]))})
  end
  -- Only members are mentioned (the sender aside); the rest are left out without a word.
  local mentioned = {}
  for user in string.gmatch(ARGV[12], '%S+') do
    if user ~= me and redis.call('SISMEMBER', KEYS[2], user) == 1 then mentioned[#mentioned + 1] = user end
  end
  if #mentioned > 0 then extra = extra .. ',"mentions":' .. cjson.encode(mentioned) end
  if ARGV[13] == '1' then extra = extra .. ',"forwarded":true' end
  ARGV[2] = ARGV[2] .. extra

  local reply = send_message()
  if reply[1] ~= 'ok' or reply[3] == 1 then return reply end
  local id = reply[2]
  if quoted_id > 0 then
    -- Quotes go with the messages they quote: none below the first kept id.
    redis.call('ZADD', KEYS[6], quoted_id, id)
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. kept_range(KEYS[1], KEYS[3]))
  end
  for _, user in ipairs(mentioned) do redis.call('HSET', KEYS[7], user, id) end
  return reply
end

if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local counted = tonumber(ARGV[9]) > 0
if counted then
  local wait = over_limit(KEYS[9], ARGV[9], ARGV[10])
  if wait then return {'rate_limited', wait} end
end
local reply = send_rich()
-- Refused, a repeat, or past its deadline: not a new message, so it does not count.
if counted and (reply[1] ~= 'ok' or reply[3] == 1) then give_back(KEYS[9]) end
return reply

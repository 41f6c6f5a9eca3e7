-- React to a message (contract section 11): one reaction per user per message; a new emoji replaces the
-- user's old one, the same one again changes nothing, '' removes it. Not on system or deleted messages.
-- KEYS and ARGV[1..7]: as every change script (message-changes-lib.lua); ARGV[8] the emoji ('' removes;
-- checked to be one emoji by the server before)
-- Returns {'ok', change_id, 1} | {'ok', last change id, 0} (nothing changed)
-- | {'not_found'|'forbidden'|'invalid_payload', why} | {'rate_limited', seconds}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
return counted_change(function()
  local me, emoji = ARGV[1], ARGV[8]
  local refused = check_member(KEYS[1], KEYS[2], me)
  if refused then return {refused} end
  local blocked = check_unblocked(me)
  if blocked then return blocked end
  local message, index = find_message(me, tonumber(ARGV[5]))
  if not message then return index end
  if message.deleted then return {'forbidden', 'That message was deleted.'} end
  if message.msg_type == 'system' then return {'forbidden', 'System messages take no reactions.'} end
  local reactions = message.reactions or {}
  local current
  for e, users in pairs(reactions) do
    for i, user in ipairs(users) do
      if user == me then current = e; table.remove(users, i); break end
    end
    if current then break end
  end
  if current == emoji or (current == nil and emoji == '') then return {'ok', last_change_id(), 0} end
  if current and #reactions[current] == 0 then reactions[current] = nil end
  if emoji ~= '' then
    local users = reactions[emoji] or {}
    users[#users + 1] = me
    reactions[emoji] = users
  end
  if next(reactions) == nil then reactions = nil end
  message.reactions = reactions
  return {'ok', record_change(index, message), 1}
end)

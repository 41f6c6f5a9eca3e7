-- Edit a message (contract section 11): the sender's own text message (or a media message's caption, as
-- WhatsApp allows), not deleted, not forwarded, within the edit window of its created_at. The new body replaces
-- the old; the message gets edited_at.
-- Each reply quoting it gets the new text's preview, as a change of its own.
-- KEYS and ARGV[1..7]: as every change script (message-changes-lib.lua); ARGV[8] the edit window (s),
-- [9] the new body (well-formed and within the byte cap: checked by the server before), [10] a quote
-- preview's length (UTF-16 units)
-- Returns {'ok', change_id, 1} | {'ok', last change id, 0} (the same body again: nothing changed)
-- | {'not_found'|'forbidden'|'invalid_payload', why} | {'rate_limited', seconds}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
return counted_change(function()
  local me = ARGV[1]
  local message, index = message_to_write(me)
  if not message then return index end
  if message.sender_id ~= me then return {'forbidden', 'Only its sender can edit a message.'} end
  if message.deleted then return {'forbidden', 'That message was deleted.'} end
  if message.msg_type == 'system' then return {'forbidden', 'System messages cannot be edited.'} end
  if message.forwarded then return {'forbidden', 'A forwarded message cannot be edited.'} end
  if now_seconds() - message.created_at > tonumber(ARGV[8]) then
    return {'forbidden', 'Too late to edit: a message can be edited for ' .. ARGV[8] .. ' s after it was sent.'}
  end
  if message.body == ARGV[9] then return {'ok', last_change_id(), 0} end
  message.body = ARGV[9]
  message.edited_at = now_seconds()
  local change_id = record_change(index, message)
  -- The replies quoting it show the new text: the old one is nowhere left in the chat.
  requote(message.id, {id = message.id, sender_id = message.sender_id, msg_type = message.msg_type,
    preview = preview_of(message.body, tonumber(ARGV[10]))})
  return {'ok', change_id, 1}
end)

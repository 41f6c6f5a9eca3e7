-- Delete a message for everyone (contract section 11): one's own within the delete window, or any message of
-- a group by its admins and owner; system messages never. The stored message keeps only
-- {id, sender_id, msg_type, created_at, client_msg_id?, deleted: true, deleted_by}: its body, quote, mentions
-- and reactions leave Redis. Each reply quoting it loses its preview (reply_to becomes
-- {id, sender_id, msg_type, deleted: true}), each as a change of its own. The id joins :system, the set of
-- ids not counted as unread. Deleting a deleted message changes nothing.
-- Its media reference goes (lib.lua): a media no kept message of the chat carries any more is returned.
-- KEYS[1..9] and ARGV[1..7]: as every change script (message-changes-lib.lua); KEYS[10] chat:{id}:mentions,
-- [11] chat:{id}:media, [12] chat:{id}:media_msgs; ARGV[8] the delete window (s)
-- Returns {'ok', change_id (the delete's own), 1[, media ids released]} | {'ok', last change id, 0} (deleted already)
-- | {'not_found'|'forbidden'|'invalid_payload', why} | {'rate_limited', seconds}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
return counted_change(function()
  local me, id = ARGV[1], tonumber(ARGV[5])
  local refused = check_member(KEYS[1], KEYS[2], me)
  if refused then return {refused} end
  local message, index = find_message(me, id)
  if not message then return index end
  if message.deleted then return {'ok', last_change_id(), 0} end
  if message.msg_type == 'system' then return {'forbidden', 'System messages cannot be deleted.'} end
  local own_in_time = message.sender_id == me and now_seconds() - message.created_at <= tonumber(ARGV[8])
  if not own_in_time then
    local role = redis.call('HGET', KEYS[1], 'kind') == 'group' and role_of(KEYS[6], me) or 'member'
    if role ~= 'owner' and role ~= 'admin' then
      if message.sender_id ~= me then
        return {'forbidden', 'Only its sender (or a group admin) can delete a message.'}
      end
      return {'forbidden', 'Too late to delete: a message can be deleted for ' .. ARGV[8] .. ' s after it was sent.'}
    end
  end

  -- Who it mentioned no longer has it as their newest mention (the chat list's "@").
  for _, user in ipairs(message.mentions or {}) do
    if tonumber(redis.call('HGET', KEYS[10], user) or '0') == id then
      redis.call('HDEL', KEYS[10], user)
    end
  end
  local change_id = record_change(index, {id = id, sender_id = message.sender_id, msg_type = message.msg_type,
    created_at = message.created_at, client_msg_id = message.client_msg_id, deleted = true, deleted_by = me})
  local first_id = kept_range(KEYS[1], KEYS[3])
  redis.call('ZADD', KEYS[7], id, id)
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. first_id)

  -- The replies quoting it (still kept) drop their preview. Its own quote, if it was a reply, goes too.
  requote(id, {id = id, sender_id = message.sender_id, msg_type = message.msg_type, deleted = true})
  redis.call('ZREMRANGEBYSCORE', KEYS[8], id, id)
  redis.call('ZREM', KEYS[8], id)
  redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', '(' .. first_id)
  if message.media then
    local released = release_media_of(KEYS[1], KEYS[11], KEYS[12], id)
    if #released > 0 then return {'ok', change_id, 1, released} end
  end
  return {'ok', change_id, 1}
end)

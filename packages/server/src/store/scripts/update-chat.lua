-- Change a chat's title, description or picture: a group's owner or admins, a public chat's creator (while a
-- member). The picture is an upload the caller claimed (media-claim.lua) before this runs.
-- A group records the change as a system message (`info_changed`); every member gets chat_updated.
-- KEYS: the group keys (lib.lua)
-- ARGV[1] the caller, [2] chat id, [3] channel, [4] messages kept, [5] '1' when a title is given, [6] title,
-- [7] '1' when a description is given, [8] description, [9] '1' when a picture is given, [10] its media id
-- ('' removes it), [11] its URL
-- Returns {'ok', changed (1|0), title, description, picture URL, the picture it replaced ('' none)}
-- | {'not_found'} | {'forbidden', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local me = ARGV[1]
local kind = redis.call('HGET', KEYS[1], 'kind')
if kind == 'group' then
  local refused = check_group_admin(me)
  if refused then return {refused, 'Only the group’s owner and admins change its info.'} end
elseif kind == 'public' then
  local refused = check_member(KEYS[1], KEYS[2], me)
  if refused then return {refused} end
  if redis.call('HGET', KEYS[1], 'created_by') ~= me then
    return {'forbidden', 'Only the chat’s creator changes its info.'}
  end
else
  local refused = check_member(KEYS[1], KEYS[2], me)
  if refused then return {refused} end
  return {'forbidden', 'A DM has no title or description of its own.'}
end
local current = redis.call('HMGET', KEYS[1], 'title', 'description', 'avatar_media_id', 'avatar_url')
local title, description = current[1] or '', current[2] or ''
local picture, url = current[3] or '', current[4] or ''
local title_changed = ARGV[5] == '1' and ARGV[6] ~= title
local description_changed = ARGV[7] == '1' and ARGV[8] ~= description
local picture_changed = ARGV[9] == '1' and ARGV[10] ~= picture
if not title_changed and not description_changed and not picture_changed then
  return {'ok', 0, title, description, url, ''}
end
local replaced = ''
if title_changed then title = ARGV[6] end
if description_changed then description = ARGV[8] end
redis.call('HSET', KEYS[1], 'title', title, 'description', description)
if picture_changed then
  replaced = picture
  url = ARGV[11]
  if ARGV[10] == '' then
    redis.call('HDEL', KEYS[1], 'avatar_media_id', 'avatar_url')
  else
    redis.call('HSET', KEYS[1], 'avatar_media_id', ARGV[10], 'avatar_url', url)
  end
end
redis.call('SPUBLISH', ARGV[3], cjson.encode({type = 'chat_updated', chat_id = ARGV[2], title = title,
  description = description, avatar_url = url, by = me}))
if kind == 'group' then
  local info = {event = 'info_changed'}
  if title_changed then info.title = title end
  if description_changed then info.description = true end
  if picture_changed then info.picture = true end
  append_system(me, info)
end
return {'ok', 1, title, description, url, replaced}

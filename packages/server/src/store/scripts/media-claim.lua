-- An upload about to be sent to a chat, forwarded to one, or made a picture (contract section 12): it must
-- exist, and (but for a forward, whose source message the server read as the forwarder) be the caller's own and
-- at most the send window old. A chat it goes to joins media:{id}:chats (at most ARGV[5] of them), and sent_at
-- is set, so the media sweep leaves it alone while the message is being stored (store/media.ts).
-- KEYS[1] media:{id}, [2] media:{id}:chats
-- ARGV[1] me, [2] the chat id (an avatar: ''), [3] 'send' | 'forward' | 'avatar', [4] the send window (s),
-- [5] chats one upload may go to, [6] an avatar's owner ('user:<id>' or 'chat:<id>')
-- Returns {'ok', kind, mime, size, name, width, height, duration_ms, inline thumbnail} (a field it lacks: nil)
-- | {'invalid_payload', why}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local m = redis.call('HMGET', KEYS[1], 'uploader', 'created_at', 'kind', 'mime', 'size', 'name', 'width', 'height',
  'duration_ms', 'inline')
local mode = ARGV[3]
-- Someone else's upload is as good as none: ids are not to be tried.
if not m[1] or (mode ~= 'forward' and m[1] ~= ARGV[1]) then
  return {'invalid_payload', 'media_id: no such upload of yours (or it was deleted).'}
end
if mode ~= 'forward' and now_seconds() - tonumber(m[2]) > tonumber(ARGV[4]) then
  return {'invalid_payload', 'media_id: an upload can be sent within 24 h of it; upload it again.'}
end
if mode == 'avatar' then
  if m[3] ~= 'image' then return {'invalid_payload', 'avatar_media_id: not an image.'} end
  redis.call('HSET', KEYS[1], 'avatar_of', ARGV[6], 'sent_at', now_seconds())
else
  if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then
    if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[5]) then
      return {'invalid_payload', 'This media was sent to too many chats already.'}
    end
    redis.call('SADD', KEYS[2], ARGV[2])
  end
  redis.call('HSET', KEYS[1], 'sent_at', now_seconds())
end
return {'ok', m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10]}

-- A chat's info for GET /api/chats/:chat_id (read only). A DM or group only for its members (a stranger
-- learns nothing: not_found); a public chat for anyone, without its member list (which may be long).
-- KEYS: the group keys (lib.lua); ARGV[1] the caller
-- Returns {'ok', kind, title, description, created_by, created_at, member count, caller's role ('' when not
-- a group member), members… (user id, role pairs; DMs and groups)} | {'not_found'}
local me = ARGV[1]
local chat = redis.call('HMGET', KEYS[1], 'kind', 'title', 'description', 'created_by', 'created_at')
local kind = chat[1]
if not kind then return {'not_found'} end
local member = redis.call('SISMEMBER', KEYS[2], me) == 1
if kind ~= 'public' and not member then return {'not_found'} end
local reply = {'ok', kind, chat[2] or '', chat[3] or '', chat[4] or '', tonumber(chat[5]) or 0,
  redis.call('SCARD', KEYS[2]), ''}
if kind == 'public' then return reply end
local roles = {}
local pairs_ = redis.call('HGETALL', KEYS[3])
for i = 1, #pairs_, 2 do roles[pairs_[i]] = pairs_[i + 1] end
if kind == 'group' then reply[8] = roles[me] or 'member' end
for _, user in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  reply[#reply + 1] = user
  reply[#reply + 1] = roles[user] or 'member'
end
return reply

-- What the chat list shows of one chat, for one member, at a cost that does not grow with the chat's size:
-- the member count by SCARD (members only for a DM, two of them), the member's own read mark and mute by HGET,
-- and the chat's lowest received and read marks as its hash keeps them (receipts in lib.lua), never the whole
-- reads hash.
-- A group adds the member's role, and the number of its system messages above the member's read mark (ZCOUNT,
-- O(log n)): they are not unread.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:messages, [4] chat:{id}:reads, [5] chat:{id}:mute,
-- [6] chat:{id}:roles, [7] chat:{id}:system
-- ARGV[1] the member's id
-- Returns {} when the chat does not exist, else {kind, title, last_id, created_at, member count, DM peer ('' for
-- a public chat), last message JSON ('' for none), own read mark, muted until, role ('' but in a group), system
-- messages above the read mark, the chat's received_id, its read_id (both 0 in a public chat)}
local me = ARGV[1]
local chat = redis.call('HMGET', KEYS[1], 'kind', 'title', 'last_id', 'created_at', 'received_id', 'read_id')
if not chat[1] then return {} end
local count, peer = redis.call('SCARD', KEYS[2]), ''
if chat[1] == 'dm' then
  for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if member ~= me then peer = member end
  end
end
local read = tonumber(redis.call('HGET', KEYS[4], me)) or 0
local role, system = '', 0
if chat[1] == 'group' then
  role = redis.call('HGET', KEYS[6], me) or 'member'
  system = redis.call('ZCOUNT', KEYS[7], '(' .. read, '+inf')
end
return {chat[1], chat[2] or '', tonumber(chat[3]) or 0, tonumber(chat[4]) or 0, count, peer,
  redis.call('LINDEX', KEYS[3], -1) or '', read, tonumber(redis.call('HGET', KEYS[5], me)) or 0, role, system,
  tonumber(chat[5]) or 0, tonumber(chat[6]) or 0}

-- A connection authenticated: record it (owned by its worker's lease), update the profile, and announce the
-- user online if this is their first connection anywhere.
-- Presence keys derive from the user id (prefix .. 'presence:conns:' .. user_id …), see lib.lua.
-- ARGV[1] key prefix, [2] user id, [3] connection id, [4] worker id, [5] username ('' keeps it),
-- [6] avatar_url ('' keeps it), [7] most connections per user (0: no limit, for re-registration)
-- Returns {'ok', chats, first, last_ids} (last_ids[i]: chats[i]'s last message id), {'invalid_token'} when the
-- user record is gone, or {'rate_limited', 0, why}.
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
local prefix, user_id, conn_id, worker_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local user_key = prefix .. 'user:' .. user_id
if redis.call('EXISTS', user_key) == 0 then return {'invalid_token'} end
if ARGV[5] ~= '' then redis.call('HSET', user_key, 'username', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', user_key, 'avatar_url', ARGV[6]) end

local conns = prefix .. 'presence:conns:' .. user_id
local most = tonumber(ARGV[7])
if most > 0 and redis.call('HEXISTS', conns, conn_id) == 0 and redis.call('HLEN', conns) >= most then
  return {'rate_limited', 0, 'Too many open connections for this user; close one first.'}
end
local now = now_seconds()
redis.call('HSET', conns, conn_id, worker_id)
redis.call('SADD', prefix .. 'presence:worker:' .. worker_id, user_id .. ' ' .. conn_id)
redis.call('SET', prefix .. 'last_seen:' .. user_id, now)
local chats = redis.call('SMEMBERS', prefix .. 'user_chats:' .. user_id)
local first = 0
if redis.call('HLEN', conns) == 1 then
  first = 1
  redis.call('SADD', prefix .. 'presence:online_users', user_id)
  publish_presence(prefix, user_id, 'online', now, chats)
end
-- Each chat's position now: the worker knows where live delivery starts and can tell a gap from then on.
local last_ids = {}
for i, chat in ipairs(chats) do
  last_ids[i] = tonumber(redis.call('HGET', prefix .. 'chat:{' .. chat .. '}', 'last_id') or '0')
end
return {'ok', chats, first, last_ids}

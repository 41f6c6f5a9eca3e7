-- Create a chat's record and members unless it exists: the first step of creating a DM or a public chat.
-- Idempotent, so a creation a crash cut short is finished by the next call (see store/chats.ts).
-- KEYS[1] chat:{id}, [2] chat:{id}:members, [3] chat:{id}:read_marks, [4] chat:{id}:received_marks
-- ARGV[1] kind (dm|public), [2] title, [3] created by, [4] a member, [5] another member ('' for none)
-- Returns {'ok', created (1|0), last_id}
-- (last ARGV: the caller's deadline, Unix ms; see past_deadline in lib.lua)
if past_deadline() then return {'internal', 'Redis ran this after its deadline; nothing was changed.'} end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'ok', 0, tonumber(redis.call('HGET', KEYS[1], 'last_id') or '0')}
end
redis.call('HSET', KEYS[1], 'kind', ARGV[1], 'title', ARGV[2], 'created_by', ARGV[3], 'created_at', now_seconds(),
  'last_id', 0)
redis.call('SADD', KEYS[2], ARGV[4])
if ARGV[5] ~= '' then redis.call('SADD', KEYS[2], ARGV[5]) end
-- A DM's two members hold its receipt marks (lib.lua); a public chat has none.
if ARGV[1] == 'dm' then
  redis.call('ZADD', KEYS[3], 0, ARGV[4], 0, ARGV[5])
  redis.call('ZADD', KEYS[4], 0, ARGV[4], 0, ARGV[5])
end
return {'ok', 1, 0}

-- Delete a chat nobody holds any more (its members' accounts are all gone): its record, members, messages,
-- marks. Refuses while anyone is still a member of a public chat.
-- KEYS[1] chat:{id}, [2] chat:{id}:members, then every other key of the chat (messages, marks, receipts,
-- changes…: accounts.ts lists them)
-- Returns 1 when deleted, else 0.
if redis.call('HGET', KEYS[1], 'kind') == 'public' and redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('DEL', unpack(KEYS))
return 1

-- A connection closed: drop its record; the user goes offline when it was their last one.
-- ARGV[1] key prefix, [2] user id, [3] connection id, [4] worker id
-- Returns 1 when the user went offline.
return drop_conn(ARGV[1], ARGV[2], ARGV[3], ARGV[4], now_seconds())

-- One hit on a fixed-window limit (the same rule as the scripts' own: over_limit in lib.lua).
-- KEYS[1] the counter; ARGV[1] the limit, [2] the window (s), [3] how many hits (default 1)
-- Returns 0 when the hit is allowed (and counted), else the seconds left in the window.
return over_limit(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) or 0

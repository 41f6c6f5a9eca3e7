-- Give back one hit of a fixed-window limit (count.lua) that turned out not to count: a send refused or
-- found a repeat (give_back in lib.lua).
-- KEYS[1] the counter
give_back(KEYS[1])
return 0

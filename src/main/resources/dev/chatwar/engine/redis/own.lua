-- Gives a verified user its name, chat-wide: a verified name belongs to the first user who took it, for good. The
-- user gets its name or, when another user owns it, the first "name (n)" that is free or its own, so every connection
-- of one user has one name. The key of "name (n)" is the name's key with " (n)": NFKC and case folding leave the ASCII
-- suffix as it is. Runs before the member enters a room (enter.lua), which takes the name given here as it is.
--
-- KEYS[1]  the chat's verified names: a hash from name key to the identity that owns it, which nobody else may take
-- ARGV[1]  the name asked for     ARGV[2]  its key (NFKC, case folded)
-- ARGV[3]  the user's identity (a token's sub or a container login, prefixed)
--
-- Returns {name given, its key}.

local owners, name, key, identity = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local given, givenKey = name, key
local n = 2
local owner = redis.call('HGET', owners, givenKey)
while owner and owner ~= identity do
  given = name .. ' (' .. n .. ')'
  givenKey = key .. ' (' .. n .. ')'
  n = n + 1
  owner = redis.call('HGET', owners, givenKey)
end
if not owner then
  redis.call('HSET', owners, givenKey, identity)
end
return {given, givenKey}

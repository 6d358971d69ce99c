-- Enters a member into a room's presence, which every node shares, and gives it its name, atomically: two guests
-- asking for one name at the same instant, on two nodes, get two names.
--
-- KEYS[1]  the room's members: a hash from member key to "<node> TAB <name key> TAB <user JSON>"
-- KEYS[2]  the room's names in use: a hash from name key to how many members use it
-- KEYS[3]  the room's nodes: a hash from node to how many of its members are in the room
-- KEYS[4]  the chat's verified names: a hash from name key to the user that owns it, which nobody else may take
-- KEYS[5]  the node's rooms: a set of the rooms where it has (or had) members, which a reaper visits when it dies
-- KEYS[6]  the chat's member count, over all rooms and nodes
-- ARGV[1]  the member key          ARGV[2]  the node
-- ARGV[3]  the name asked for      ARGV[4]  its key (NFKC, case folded)
-- ARGV[5]  "1" for a verified user, else "0"
-- ARGV[6]  the client's address    ARGV[7]  the room
-- ARGV[8]  a verified user's identity (a token's sub or a container login, prefixed), or "" for a guest
-- ARGV[9]  "1" for a moderator of the room, else "0"
--
-- A verified name belongs to the first user who took it, for good: a verified user gets its name, or when another user
-- owns it the first "name (n)" that is free or its own, so every connection of one user has one name. A guest gets the
-- name or, when a member uses it or a user owns it, the first free "name (n)". The key of "name (n)" is the name's key with " (n)": NFKC
-- and case folding leave the ASCII suffix as it is.
--
-- Returns {name given, the room's member count after}.

local members, names, nodes, owners, nodeRooms, population = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local memberKey, node, name, key = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local isVerified, address, room, userId = ARGV[5] == '1', ARGV[6], ARGV[7], ARGV[8]
local isModerator = ARGV[9] == '1'

local given, givenKey = name, key
local n = 2
if isVerified then
  local owner = redis.call('HGET', owners, givenKey)
  while owner and owner ~= userId do
    given = name .. ' (' .. n .. ')'
    givenKey = key .. ' (' .. n .. ')'
    n = n + 1
    owner = redis.call('HGET', owners, givenKey)
  end
  redis.call('HSET', owners, givenKey, userId)
else
  while redis.call('HEXISTS', names, givenKey) == 1 or redis.call('HEXISTS', owners, givenKey) == 1 do
    given = name .. ' (' .. n .. ')'
    givenKey = key .. ' (' .. n .. ')'
    n = n + 1
  end
end

local user = {name = given, address = address}
if isVerified then
  user.verified = true
end
if isModerator then
  user.moderator = true
end
redis.call('HSET', members, memberKey, node .. '\t' .. givenKey .. '\t' .. cjson.encode(user))
redis.call('HINCRBY', names, givenKey, 1)
redis.call('HINCRBY', nodes, node, 1)
redis.call('SADD', nodeRooms, room)
redis.call('INCR', population)
return {given, redis.call('HLEN', members)}

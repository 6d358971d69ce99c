-- Enters a member into a room's presence, which every node shares, and gives it its name, atomically: two guests
-- asking for one name at the same instant, on two nodes, get two names. Touches the room's keys only (one hash slot).
--
-- KEYS[1]  the room's members: a hash from member key to "<node> TAB <name key> TAB <user JSON>"
-- KEYS[2]  the room's names in use: a hash from name key to how many members use it
-- KEYS[3]  the room's nodes: a hash from node to how many of its members are in the room
-- KEYS[4]  the room's identities: a hash from a verified member's key to the identity that owns its name
-- ARGV[1]  the member key          ARGV[2]  the node
-- ARGV[3]  the name asked for      ARGV[4]  its key (NFKC, case folded)
-- ARGV[5]  the verified user's identity, prefixed "v:" (its name was given by own.lua), or "" for a guest
-- ARGV[6]  the client's address    ARGV[7]  "1" for a moderator of the room, else "0"
-- ARGV[8]  for a guest, how many of the names "name", "name (2)", ... "name (w)" the node looked up in the chat's
--          verified names (w)
-- ARGV[9…] those of them that a verified user owns (their keys)
--
-- A verified user takes its name as given. A guest gets the name or, when a member here uses it or a user owns it,
-- the first free "name (n)". When every name the node looked up is taken, nothing changes and the reply asks for more.
--
-- Returns {name given, the room's member count after}, or {"", 0} when a guest needs more names looked up.

local members, names, nodes, identities = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local memberKey, node, name, key = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local identity, address, isModerator = ARGV[5], ARGV[6], ARGV[7] == '1'
local isVerified = identity ~= ''

local given, givenKey = name, key
if not isVerified then
  local owned = {}
  for i = 9, #ARGV do
    owned[ARGV[i]] = true
  end
  local looked = tonumber(ARGV[8])
  local n = 1
  while redis.call('HEXISTS', names, givenKey) == 1 or owned[givenKey] do
    n = n + 1
    if n > looked then
      return {'', 0}
    end
    given = name .. ' (' .. n .. ')'
    givenKey = key .. ' (' .. n .. ')'
  end
end

local user = {name = given, address = address}
if isVerified then
  user.verified = true
  redis.call('HSET', identities, memberKey, identity)
end
if isModerator then
  user.moderator = true
end
redis.call('HSET', members, memberKey, node .. '\t' .. givenKey .. '\t' .. cjson.encode(user))
redis.call('HINCRBY', names, givenKey, 1)
redis.call('HINCRBY', nodes, node, 1)
return {given, redis.call('HLEN', members)}

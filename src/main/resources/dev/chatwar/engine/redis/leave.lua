-- Takes a member out of a room's presence and frees its name.
--
-- KEYS[1]  the room's members   KEYS[2]  the room's names in use   KEYS[3]  the room's nodes
-- KEYS[4]  the room's identities (see enter.lua)   KEYS[5]  the room's announced members (see publish.lua)
-- ARGV[1]  the member key
--
-- Returns {the room's member count after, the member's user JSON}, or {} when the member was not there (it left, its
-- place was claimed, or a reaper took it out with its dead node).

local members, names, nodes = KEYS[1], KEYS[2], KEYS[3]
local entry = redis.call('HGET', members, ARGV[1])
if not entry then
  return {}
end
local node, key, json = string.match(entry, '^([^\t]*)\t([^\t]*)\t(.*)$')
redis.call('HDEL', members, ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
if redis.call('HINCRBY', names, key, -1) <= 0 then
  redis.call('HDEL', names, key)
end
if redis.call('HINCRBY', nodes, node, -1) <= 0 then
  redis.call('HDEL', nodes, node)
end
return {redis.call('HLEN', members), json}

-- Takes every member of a dead node out of one room's presence, frees their names, and forgets the room for that
-- node. Idempotent: reapers on several nodes may run it for the same node and room; only the first finds anyone.
--
-- KEYS[1]  the room's members   KEYS[2]  the room's names in use   KEYS[3]  the room's nodes
-- KEYS[4]  the dead node's rooms   KEYS[5]  the chat's member count (see enter.lua)
-- ARGV[1]  the dead node        ARGV[2]  the room
--
-- Returns {the room's member count after, {user JSON of each member taken out, ...}}.

local members, names, nodes, nodeRooms = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local dead, room = ARGV[1], ARGV[2]
local gone = {}
if redis.call('HEXISTS', nodes, dead) == 1 then
  local all = redis.call('HGETALL', members)
  for i = 1, #all, 2 do
    local node, key, json = string.match(all[i + 1], '^([^\t]*)\t([^\t]*)\t(.*)$')
    if node == dead then
      redis.call('HDEL', members, all[i])
      if redis.call('HINCRBY', names, key, -1) <= 0 then
        redis.call('HDEL', names, key)
      end
      gone[#gone + 1] = json
    end
  end
  redis.call('HDEL', nodes, dead)
  redis.call('DECRBY', KEYS[5], #gone)
end
redis.call('SREM', nodeRooms, room)
return {redis.call('HLEN', members), gone}

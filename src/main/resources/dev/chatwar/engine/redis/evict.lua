-- Takes every member of a dead node out of one room's presence and frees their names. Idempotent: reapers on several
-- nodes may run it for the same node and room; only the first finds anyone. Touches the room's keys only: the reaper
-- forgets the room for the dead node afterwards.
--
-- KEYS[1]  the room's members   KEYS[2]  the room's names in use   KEYS[3]  the room's nodes
-- KEYS[4]  the room's identities (see enter.lua)   KEYS[5]  the room's announced members (see publish.lua)
-- ARGV[1]  the dead node
--
-- Returns {the room's member count after, {user JSON of each member taken out, ...}}.

local members, names, nodes, identities = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local dead = ARGV[1]
local gone = {}
if redis.call('HEXISTS', nodes, dead) == 1 then
  local all = redis.call('HGETALL', members)
  for i = 1, #all, 2 do
    local node, key, json = string.match(all[i + 1], '^([^\t]*)\t([^\t]*)\t(.*)$')
    if node == dead then
      redis.call('HDEL', members, all[i])
      redis.call('HDEL', identities, all[i])
      redis.call('HDEL', KEYS[5], all[i])
      if redis.call('HINCRBY', names, key, -1) <= 0 then
        redis.call('HDEL', names, key)
      end
      gone[#gone + 1] = json
    end
  end
  redis.call('HDEL', nodes, dead)
end
return {redis.call('HLEN', members), gone}

-- Claims a member's place for a reconnect, once, if the claimant may take it: the place moves to the claimant's new
-- member key on the claimant's node, with its address and the same name, and every node subscribed to the room is
-- told (a control line on the room's channel), so the node that holds the old connection closes it, unannounced.
-- Touches the room's keys only; the claiming node has added the room to its rooms before.
--
-- KEYS[1]  the room's members   KEYS[2]  the room's nodes   KEYS[3]  the room's identities (see enter.lua)
-- KEYS[4]  the room's announced members (see publish.lua): the place keeps its mark
-- ARGV[1]  the old member key   ARGV[2]  the new member key   ARGV[3]  the room's channel
-- ARGV[4]  the claimant: "g:" for any guest, "v:<user>" for the verified user who owns the place's name only
-- ARGV[5]  the claiming node    ARGV[6]  the claimant's address
-- ARGV[7]  the head of the line that tells the nodes (NodeEnvelope.replacedHead), to which the old key is appended
-- ARGV[8]  "1" when the claimant moderates the room, else "0" (its rights now, not the old connection's)
-- ARGV[9]  how the line is published: "PUBLISH" on one Redis, "SPUBLISH" (sharded) on a Redis Cluster
--
-- Returns {user JSON, the room's member count}, or false when there is no such place or the claimant may not take it
-- (nothing changes then).

local members, nodes, identities = KEYS[1], KEYS[2], KEYS[3]
local oldKey, newKey, channel, claimant = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local node, address, head = ARGV[5], ARGV[6], ARGV[7]
local isModerator = ARGV[8] == '1'

local entry = redis.call('HGET', members, oldKey)
if not entry then
  return false
end
local oldNode, key, json = string.match(entry, '^([^\t]*)\t([^\t]*)\t(.*)$')
local user = cjson.decode(json)
if claimant == 'g:' then
  if user.verified then
    return false
  end
elseif not (user.verified and redis.call('HGET', identities, oldKey) == claimant) then
  return false
end
user.address = address
if isModerator then
  user.moderator = true
else
  user.moderator = nil
end
local moved = cjson.encode(user)
redis.call('HDEL', members, oldKey)
redis.call('HSET', members, newKey, node .. '\t' .. key .. '\t' .. moved)
if redis.call('HDEL', KEYS[4], oldKey) == 1 then
  redis.call('HSET', KEYS[4], newKey, '1')
end
if user.verified then
  redis.call('HDEL', identities, oldKey)
  redis.call('HSET', identities, newKey, claimant)
end
if redis.call('HINCRBY', nodes, oldNode, -1) <= 0 then
  redis.call('HDEL', nodes, oldNode)
end
redis.call('HINCRBY', nodes, node, 1)
redis.call(ARGV[9], channel, head .. oldKey)
return {moved, redis.call('HLEN', members)}

-- Forgets a room in a node's rooms once the node has no member there (a room it left); atomic with enter.lua, which
-- adds the room again with the node's next member there.
--
-- KEYS[1]  the room's nodes   KEYS[2]  the node's rooms   ARGV[1]  the node   ARGV[2]  the room

if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 0

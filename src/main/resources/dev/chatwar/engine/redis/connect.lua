-- Counts one more open connection of a client (an address, or an IPv6 prefix) over every node, unless it has reached
-- the limit.
--
-- KEYS[1]  the chat's clients: a hash from client to its open connections on every node
-- KEYS[2]  the node's clients: the same, for this node's connections only (a reaper subtracts them when it dies)
-- ARGV[1]  the client   ARGV[2]  the most connections one client may have open
--
-- Returns 1 when counted, 0 when the client is at its limit (nothing changes then).

if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return 1

-- Subtracts a dead node's open connections from the chat's counts per client (see connect.lua), once.
--
-- KEYS[1]  the chat's clients   KEYS[2]  the dead node's clients
--
-- Returns how many clients the node had connections of.

local counted = redis.call('HGETALL', KEYS[2])
for i = 1, #counted, 2 do
  if redis.call('HINCRBY', KEYS[1], counted[i], -tonumber(counted[i + 1])) <= 0 then
    redis.call('HDEL', KEYS[1], counted[i])
  end
end
redis.call('DEL', KEYS[2])
return #counted / 2

-- Changes the chat's sanctions and tells every node, in one step: a node that hears the line finds the hash changed
-- already, and a node that reads the hash after a reconnect misses nothing it did not hear.
--
-- KEYS[1]  the chat's sanctions: a hash from sanction key to its JSON
-- ARGV[1]  the chat's control channel   ARGV[2]  the line to publish on it
-- ARGV[3]  the key to set, or "" (a lift, or a kick)   ARGV[4]  its JSON
-- ARGV[5]  the key to delete, or ""
-- ARGV[6..]  keys of sanctions past their end, forgotten on the way
--
-- Returns 1 when the key to delete was there, else 0.

local removed = 0
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
end
if ARGV[5] ~= '' then
  removed = redis.call('HDEL', KEYS[1], ARGV[5])
end
for i = 6, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return removed

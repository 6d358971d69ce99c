-- Counts one open connection of a client less (see connect.lua), on the node that counted it; nothing when that
-- node's counts were taken out meanwhile (it was declared dead, and a reaper subtracted them).
--
-- KEYS[1]  the chat's clients   KEYS[2]  the counting node's clients   ARGV[1]  the client

if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') <= 0 then
  return 0
end
if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1

-- The nodes whose leases have run out (see lease.lua), by Redis's own clock.
--
-- KEYS[1]  the chat's nodes

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)

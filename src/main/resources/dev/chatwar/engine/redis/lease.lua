-- A node's lease in the chat: nodes that do not renew theirs within the node timeout are declared dead, and their
-- members are taken out of every room by the nodes still alive. Times are Redis's own clock, so the nodes' clocks
-- need not agree.
--
-- KEYS[1]  the chat's nodes: a sorted set from node to the time its lease runs out (ms)
-- ARGV[1]  the node   ARGV[2]  "take" (a new node), "renew" or "drop" (a node that stops: it runs out now)
-- ARGV[3]  the node timeout (ms)
--
-- Returns 1, or 0 for a renewal of a lease that is gone (a reaper took the node's members out and removed it, or
-- Redis lost its data): the node must not act as that node any more. A lease that ran out but is still there is
-- renewed: after an outage of Redis itself every lease has run out, and no node reaps before every node had a
-- whole node timeout to renew (NodeLease).

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local nodes, node, what = KEYS[1], ARGV[1], ARGV[2]
if what == 'renew' and not redis.call('ZSCORE', nodes, node) then
  return 0
end
if what == 'drop' then
  redis.call('ZADD', nodes, now, node)
else
  redis.call('ZADD', nodes, now + tonumber(ARGV[3]), node)
end
return 1

-- Changes the chat's sanctions and tells every node, in one step: a node that hears the line finds the hash changed
-- already, and a node that reads the hash after a reconnect misses nothing it did not hear. Every change takes the
-- next version, kept with the sanction and sent in the line, so a node can order the two paths a change reaches it by
-- (this reply and the line) and changes made on two nodes (SanctionBook).
--
-- KEYS[1]  the chat's sanctions: a hash from sanction key to "<version> <JSON>"
-- KEYS[2]  the version of the last change
-- KEYS[3]  when each sanction with an end ends (ms), a sorted set: how ended ones are forgotten, a few per change
-- ARGV[1]  the chat's control channel   ARGV[2]  the head of the line (NodeEnvelope.controlHead), to which
--          "<version> <notice JSON>" is appended   ARGV[3]  the notice's JSON
-- ARGV[4]  the key to set, or "" (a lift, or a kick)   ARGV[5]  its JSON   ARGV[6]  when it ends (ms), or ""
-- ARGV[7]  the key to delete, or ""   ARGV[8]  "PUBLISH" on one Redis, "SPUBLISH" (sharded) on a Redis Cluster
--
-- Returns {1 when the key to delete held a sanction that had not ended, else 0; the version}.
--
-- Versions never go back, whatever Redis lost: the next is the larger of the last one plus one and the clock in
-- microseconds, as ids are in publish.lua. A Redis that came back with an older copy holds an older last version,
-- and nodes ignore changes older than what they hold. Decimal below 2^53, formatted with %.0f.

local now = redis.call('TIME')
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local version = string.format('%.0f', math.max(last + 1, tonumber(now[1]) * 1000000 + tonumber(now[2])))
redis.call('SET', KEYS[2], version)
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local held = 0
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[4], version .. ' ' .. ARGV[5])
  if ARGV[6] ~= '' then
    redis.call('ZADD', KEYS[3], ARGV[6], ARGV[4])
  else
    redis.call('ZREM', KEYS[3], ARGV[4])
  end
end
if ARGV[7] ~= '' then
  local old = redis.call('HGET', KEYS[1], ARGV[7])
  if old then
    local sanction = cjson.decode(string.match(old, '^%d+ (.*)$'))
    local ends = sanction['until']
    if ends == nil or ends == cjson.null or tonumber(ends) > nowMs then
      held = 1
    end
    redis.call('HDEL', KEYS[1], ARGV[7])
    redis.call('ZREM', KEYS[3], ARGV[7])
  end
end
-- Sanctions that ended go, oldest first, a bounded number per change: only those Redis's clock says ended.
local ended = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', nowMs, 'LIMIT', 0, 64)
if #ended > 0 then
  redis.call('HDEL', KEYS[1], unpack(ended))
  redis.call('ZREM', KEYS[3], unpack(ended))
end
redis.call(ARGV[8], ARGV[1], ARGV[2] .. version .. ' ' .. ARGV[3])
return {held, version}

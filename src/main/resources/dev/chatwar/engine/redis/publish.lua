-- Orders one room event: takes the room's next id, keeps a message in the room's history, and publishes the event
-- with its id to every node, all in one atomic step (a script runs alone).
--
-- KEYS[1]  the room's id counter (a string holding a decimal number)
-- KEYS[2]  the room's history: a stream whose entry ids are "<id>-0", fields e (event JSON) and k (resend key)
-- KEYS[3]  the room's resends: a hash from resend key (sender key NUL cid) to the id of the kept message
-- ARGV[1]  the room's channel
-- ARGV[2]  the event's JSON, without its id
-- ARGV[3]  "1" when the event is a message (kept in history), "0" for a join or leave
-- ARGV[4]  the resend key, or "" when the message has no cid
-- ARGV[5]  messages kept in the history
-- ARGV[6]  seconds the room's keys live after its last event
--
-- Returns {1, id} for a new event, or {0, id, json} when the sender already sent this cid and the history still
-- holds that message: nothing is published then.
--
-- Ids are decimal numbers below 2^53, so Lua's numbers hold them exactly; they are formatted with %.0f, never with
-- tostring (which would write 1.7e+15). A missing counter (a new room, or a store that lost its data) starts at the
-- clock in microseconds, and above the last kept id, so ids keep growing across a loss and an old id a client holds
-- falls before the new history.

local counter, history, resends = KEYS[1], KEYS[2], KEYS[3]
local channel, json, keep, resendKey = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
local size, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])

if resendKey ~= '' then
  local original = redis.call('HGET', resends, resendKey)
  if original then
    local kept = redis.call('XRANGE', history, original .. '-0', original .. '-0')
    if #kept > 0 then
      local fields = kept[1][2]
      for i = 1, #fields, 2 do
        if fields[i] == 'e' then
          return {0, original, fields[i + 1]}
        end
      end
    end
    redis.call('HDEL', resends, resendKey)
  end
end

local id
local next = redis.call('INCR', counter)
if next == 1 then
  local now = redis.call('TIME')
  local floor = tonumber(now[1]) * 1000000 + tonumber(now[2])
  local newest = redis.call('XREVRANGE', history, '+', '-', 'COUNT', 1)
  if #newest > 0 then
    local last = tonumber(string.match(newest[1][1], '^(%d+)'))
    if last >= floor then
      floor = last + 1
    end
  end
  id = string.format('%.0f', floor)
  redis.call('SET', counter, id)
else
  id = string.format('%.0f', next)
end

if keep and size > 0 then
  if redis.call('XLEN', history) >= size then
    local oldest = redis.call('XRANGE', history, '-', '+', 'COUNT', 1)
    local fields = oldest[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'k' and fields[i + 1] ~= '' then
        redis.call('HDEL', resends, fields[i + 1])
      end
    end
  end
  redis.call('XADD', history, 'MAXLEN', size, id .. '-0', 'e', json, 'k', resendKey)
  if resendKey ~= '' then
    redis.call('HSET', resends, resendKey, id)
  end
  redis.call('EXPIRE', history, ttl)
  redis.call('EXPIRE', resends, ttl)
end
redis.call('EXPIRE', counter, ttl)
redis.call('PUBLISH', channel, id .. ' ' .. json)
return {1, id}

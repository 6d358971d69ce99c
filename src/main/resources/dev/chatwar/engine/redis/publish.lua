-- Orders one room event: takes the room's next id, keeps a message in the room's history, and publishes the event
-- with its id to every node, all in one atomic step (a script runs alone).
--
-- KEYS[1]  the room's last id (a string holding a decimal number)
-- KEYS[2]  the room's history: a stream whose entry ids are "<id>-0", field e (the event's JSON)
-- KEYS[3]  for a message with a cid, its resend key: a string holding the message's id, which Redis deletes by
--          itself when the resend window has passed (<room's stem>:resend:<sender key> NUL <cid>); for a member's own
--          join, the room's announced members (a hash from member key to "1"); absent otherwise
-- ARGV[1]  the room's channel
-- ARGV[2]  the event's JSON, without its id
-- ARGV[3]  "1" when the event is kept in history (a message or a removal), "0" for a join or leave
-- ARGV[4]  "r" when KEYS[3] is a resend key, "j" when it is the announced members, "" when there is no KEYS[3]
-- ARGV[5]  messages kept in the history
-- ARGV[6]  seconds the room's keys live after its last event
-- ARGV[7]  the highest id of the room the publishing node has delivered ("0" when none): a floor for the next id
-- ARGV[8]  milliseconds a resend is recognised after its message was sent
-- ARGV[9]  the head of the line published (NodeEnvelope.eventHead: version, kind, node), to which "<id> <json>" is
--          appended
-- ARGV[10] for a removal, the id of the message it removes; "" otherwise
-- ARGV[11] how the line is published: "PUBLISH" on one Redis, "SPUBLISH" (sharded) on a Redis Cluster
-- ARGV[12] for a member's own join, its member key: marked announced in the same step as its join takes its id
--
-- Returns {1, id} for a new event; for a resend of a message sent within the window {0, id, json}, where json is
-- the original as kept, or "" when the history no longer holds it; {2} for a removal of a message the history does
-- not hold (or holds removed already). Nothing is published for a resend or such a removal.
--
-- Cost: this runs once per room event, so it does only what it must: one SET ... NX GET PX both recognises a resend
-- and remembers the new message's cid for the window (Redis forgets it by itself: no index to prune), and the room's
-- keys get their expiry from SET ... EX and one EXPIRE. (It kept a hash and a sorted set of cids before, pruned a few
-- at every event: half of its time.)
--
-- A removal takes the message's text out of Redis, not just out of sight: its history entry becomes the placeholder
-- (text emptied, cid dropped, "removed": true) in the same step as the removal takes its id. A stream entry cannot
-- be changed in place, so the history (at most ARGV[5] entries) is written anew with the same ids.
--
-- Ids never repeat, whatever Redis lost. The next id is the largest of: the last id plus one, the clock in
-- microseconds, the publishing node's floor plus one, and (when the last id is gone) the newest kept id plus one. A
-- Redis that comes back with an older copy of its data (a crash with appendfsync everysec, a failover to a lagging
-- replica, a restore) still holds an old last id, so the last id alone would hand out ids already delivered; the
-- clock has moved on since those ids were taken, and the node's floor covers a clock that did not (a new primary
-- whose clock is behind). Ids are decimal numbers below 2^53, so Lua's numbers hold them exactly; they are formatted
-- with %.0f, never with tostring (which would write 1.7e+15).

local counter, history = KEYS[1], KEYS[2]
local resendKey = ARGV[4] == 'r' and KEYS[3] or nil
local channel, json, keep = ARGV[1], ARGV[2], ARGV[3] == '1'
local size, ttl, floor, window = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local head, removing, publish = ARGV[9], ARGV[10], ARGV[11]
local now = redis.call('TIME')

if removing ~= '' then
  local entries = redis.call('XRANGE', history, '-', '+')
  local found = false
  for _, entry in ipairs(entries) do
    if entry[1] == removing .. '-0' then
      local fields = entry[2]
      for i = 1, #fields, 2 do
        if fields[i] == 'e' then
          local event = cjson.decode(fields[i + 1])
          if event['type'] ~= 'message' or event['removed'] then
            return {2}
          end
          event['text'] = ''
          event['cid'] = nil
          event['removed'] = true
          fields[i + 1] = cjson.encode(event)
          found = true
        end
      end
      break
    end
  end
  if not found then
    return {2}
  end
  redis.call('DEL', history)
  for _, entry in ipairs(entries) do
    redis.call('XADD', history, entry[1], unpack(entry[2]))
  end
end

local last = tonumber(redis.call('GET', counter))
if not last then
  last = 0
  local newest = redis.call('XREVRANGE', history, '+', '-', 'COUNT', 1)
  if #newest > 0 then
    last = tonumber(string.match(newest[1][1], '^(%d+)'))
  end
end
local next = math.max(last + 1, tonumber(now[1]) * 1000000 + tonumber(now[2]), floor + 1)
local id = string.format('%.0f', next)

if resendKey then
  -- Remembered for the window unless it is remembered already: then this is a resend of that message.
  local original = redis.call('SET', resendKey, id, 'NX', 'GET', 'PX', window)
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
    return {0, original, ''}
  end
end

redis.call('SET', counter, id, 'EX', ttl)
if keep and size > 0 then
  redis.call('XADD', history, 'MAXLEN', size, id .. '-0', 'e', json)
  redis.call('EXPIRE', history, ttl)
end
if ARGV[4] == 'j' then
  redis.call('HSET', KEYS[3], ARGV[12], '1')
end
redis.call(publish, channel, head .. id .. ' ' .. json)
return {1, id}

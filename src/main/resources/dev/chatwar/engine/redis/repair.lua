-- Reads what a node needs to repair one room after its subscription was lost, in one step: what was published after
-- the last id the node delivered, and whether Redis still knows what the node delivered.
--
-- KEYS[1]  the room's last id   KEYS[2]  the room's history
-- ARGV[1]  the last id the node delivered   ARGV[2]  the last message id it delivered, or "0" when none
-- ARGV[3]  the most entries to return (one more than the history keeps tells that it no longer reaches back)
--
-- Returns {last id or false, 1 when the node's last message is still kept (or it had none) else 0,
--          the oldest kept id or false, {{entry id, {field, value, ...}}, ...},
--          the newest kept id below the node's last message or false}.
-- The node concludes that Redis lost what it had delivered (came back older, or wiped) when the last id is missing or
-- below what it delivered, or when its last message is gone although the history still reaches back to it.

local lastMessage = ARGV[2]
local kept = 1
local below = false
if lastMessage ~= '0' then
  kept = #redis.call('XRANGE', KEYS[2], lastMessage .. '-0', lastMessage .. '-0')
  if kept == 0 then
    -- Where the loss begins, for the others: the last entry Redis still holds before the node's last message.
    local before = redis.call('XREVRANGE', KEYS[2], '(' .. lastMessage .. '-0', '-', 'COUNT', 1)
    if #before > 0 then
      below = string.match(before[1][1], '^(%d+)')
    end
  end
end
local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
local oldestId = false
if #oldest > 0 then
  oldestId = string.match(oldest[1][1], '^(%d+)')
end
local after = redis.call('XRANGE', KEYS[2], '(' .. ARGV[1] .. '-0', '+', 'COUNT', tonumber(ARGV[3]))
return {redis.call('GET', KEYS[1]), kept, oldestId, after, below}

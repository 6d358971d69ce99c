-- Claims a filed resume token for a reconnect, once, if the claimant may take that place: takes it out of the room's
-- filed places and tells every node subscribed to the room (a control line on the room's channel), so the node that
-- holds the member closes it, unannounced.
--
-- KEYS[1]  the room's filed places: a hash from resume token key to "g:<name>" (a guest) or "v:<name>" (a user the
--          container verified)
-- ARGV[1]  the token's key
-- ARGV[2]  the room's channel
-- ARGV[3]  the claimant: "g:" for any guest, "v:<name>" for that verified user only
--
-- Returns the place, or false when no such token is filed or the claimant may not take it (nothing changes then).
local place = redis.call('HGET', KEYS[1], ARGV[1])
if not place then
  return false
end
local claimant = ARGV[3]
if not ((claimant == 'g:' and string.sub(place, 1, 2) == 'g:') or place == claimant) then
  return false
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], 'ctl replaced ' .. ARGV[1])
return place

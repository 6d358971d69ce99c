-- Reads what a newcomer's welcome is built from, in one step: the room's last id, its member count, its members
-- (when there are at most ARGV[1]) and its history.
--
-- KEYS[1]  the room's id counter   KEYS[2]  the room's members (see enter.lua)   KEYS[3]  the room's history
-- KEYS[4]  the room's announced members (see publish.lua); only read when ARGV[2] is "1"
-- ARGV[1]  the most members to list
-- ARGV[2]  "1": only the members whose joins are ordered (up to the last id read here), for a node's presence
--          replica, which the joins after that id keep; else every member that entered
--
-- Returns {last id or false, count, {user JSON, ...}, {{entry id, {field, value, ...}}, ...}}.

local announcedOnly = ARGV[2] == '1'
local count = 0
local users = {}
if announcedOnly then
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    if redis.call('HEXISTS', KEYS[4], all[i]) == 1 then
      count = count + 1
      users[#users + 1] = string.match(all[i + 1], '^[^\t]*\t[^\t]*\t(.*)$')
    end
  end
  if count > tonumber(ARGV[1]) then
    users = {}
  end
else
  count = redis.call('HLEN', KEYS[2])
  if count <= tonumber(ARGV[1]) then
    for _, entry in ipairs(redis.call('HVALS', KEYS[2])) do
      users[#users + 1] = string.match(entry, '^[^\t]*\t[^\t]*\t(.*)$')
    end
  end
end
return {redis.call('GET', KEYS[1]), count, users, redis.call('XRANGE', KEYS[3], '-', '+')}

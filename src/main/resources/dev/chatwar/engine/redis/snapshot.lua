-- Reads what a newcomer's welcome is built from, in one step: the room's last id, its member count, its members
-- (when there are at most ARGV[1]) and its history.
--
-- KEYS[1]  the room's id counter   KEYS[2]  the room's members (see enter.lua)   KEYS[3]  the room's history
-- ARGV[1]  the most members to list
--
-- Returns {last id or false, count, {user JSON, ...}, {{entry id, {field, value, ...}}, ...}}.

local count = redis.call('HLEN', KEYS[2])
local users = {}
if count <= tonumber(ARGV[1]) then
  for _, entry in ipairs(redis.call('HVALS', KEYS[2])) do
    users[#users + 1] = string.match(entry, '^[^\t]*\t[^\t]*\t(.*)$')
  end
end
return {redis.call('GET', KEYS[1]), count, users, redis.call('XRANGE', KEYS[3], '-', '+')}

-- Reads the chat's sanctions whole, with the version they reflect, in one step (see sanction.lua).
--
-- KEYS[1]  the chat's sanctions   KEYS[2]  the version of the last change
--
-- Returns {version or false, {key, "<version> <JSON>", ...}}.

return {redis.call('GET', KEYS[2]), redis.call('HGETALL', KEYS[1])}

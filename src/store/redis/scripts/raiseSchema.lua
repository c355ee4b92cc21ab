--[[
  raiseSchema: stamps the store with the schema version this code knows, unless it holds a newer
  one. Raising it is what stops an older instance left running during an upgrade: its write
  scripts check this key and refuse to write a layout newer than they know.

  KEYS[1] meta:schema:version
  ARGV[1] the version this code knows

  Returns the version the store holds now.
]]

local found = tonumber(redis.call('GET', KEYS[1]) or '0')
local known = tonumber(ARGV[1])
if found < known then
  redis.call('SET', KEYS[1], known)
  return known
end
return found

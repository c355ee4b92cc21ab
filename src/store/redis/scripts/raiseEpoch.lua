--[[
  raiseEpoch: moves the migration state's epoch up to a floor, never down, and changes nothing
  else. For a Redis whose state is behind what the JSON files recorded of a switch (it was
  flushed, restored from an older copy, replaced, or a switch was cut off before it reached it):
  until its epoch reaches the files' switch, the files refuse every write planned against it.

  KEYS[1] meta:migration:state
  ARGV[1] the floor

  Returns the epoch now.
]]

local current = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
local floor = tonumber(ARGV[1])
if current >= floor then return current end
redis.call('HSET', KEYS[1], 'epoch', floor)
return floor

--[[
  switchStage: writes a change of stage and marks it, in one step, as a switch that commits
  planned before it must not outlive (see CommitFence in src/store/port.ts): the state's epoch
  moves, and the `switch` field takes the new epoch. commitDocument.lua refuses a commit planned
  under an earlier epoch; a state change that is not a switch (a pause, a read percentage) moves
  the epoch only, and refuses nothing.

  KEYS[1] meta:migration:state
  ARGV    field, value, field, value, ...   (the collection's stage and read percentage, changedAt)

  Returns the new epoch.
]]

redis.call('HSET', KEYS[1], unpack(ARGV))
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'switch', epoch)
return epoch

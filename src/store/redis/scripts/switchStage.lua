--[[
  switchStage: writes a change of stage and marks it, in one step, as a switch that commits
  planned before it must not outlive (see CommitFence in src/store/port.ts): the state's epoch
  moves to the epoch asked for (or past it, should the state have moved further meanwhile), and
  the `switch` field takes it. commitDocument.lua refuses a commit planned under an earlier
  epoch; a state change that is not a switch (a pause, a read percentage) moves the epoch only,
  and refuses nothing. The epoch is asked for, not only counted, so that the JSON files can
  record it before it is written here (JsonStore.recordSwitch): a switch cut off halfway then
  leaves them refusing, not accepting, what was planned before it.

  KEYS[1] meta:migration:state
  ARGV[1] the epoch asked for
  ARGV[2] the field of the collection's stage ('<c>:stage')
  ARGV[3] the stage the change was planned from ('' when none was ever stored), or '*' for any
  ARGV[4..] field, value, field, value, ...   (the collection's stage and read percentage, changedAt)

  Returns { 'OK', epoch }, or { 'MOVED', stage } with nothing changed when the stage is no longer
  the one planned from (another operator moved it meanwhile).
]]

local stored = redis.call('HGET', KEYS[1], ARGV[2]) or ''
if ARGV[3] ~= '*' and stored ~= ARGV[3] then return { 'MOVED', stored } end
local current = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
local epoch = math.max(current + 1, tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('HSET', KEYS[1], 'epoch', epoch, 'switch', epoch)
return { 'OK', epoch }

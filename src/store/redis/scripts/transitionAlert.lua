--[[
  transitionAlert: records an alert's new state, once, across every instance: only the caller
  that actually changes the state gets 1, so exactly one instance sends the notification.

  KEYS[1] meta:migration:alerts   hash: alert key -> state
  ARGV[1] alert key   ARGV[2] new state

  Returns 1 if the state changed, 0 if it already was ARGV[2].
]]

if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1

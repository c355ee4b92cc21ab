--[[
  readPage: reads the documents of a list page and, in the same round trip, caches the page,
  unless a write happened since the page's ids were read (the generation moved).

  KEYS[1]    cache:api:<c>       hash of cached pages: query -> "<total>\n<next cursor>\n<items JSON>"
  KEYS[2]    cache:api:<c>:gen   generation, bumped by every write
  KEYS[3..n] data:<c>:<id>       the page's documents, in order

  ARGV[1] generation observed when the ids were read
  ARGV[2] cache field (the query)   ARGV[3] TTL in seconds
  ARGV[4] total (integer)           ARGV[5] next cursor ('' for none)

  Returns the items as one JSON array text. Documents deleted in between are left out; such a
  page is never cached, because the delete moved the generation.
]]

local docs = {}
for index = 3, #KEYS do
  local doc = redis.call('HGET', KEYS[index], 'doc')
  if doc then docs[#docs + 1] = doc end
end
local items = '[' .. table.concat(docs, ',') .. ']'
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[4] .. '\n' .. ARGV[5] .. '\n' .. items)
  if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3])) end
end
return items

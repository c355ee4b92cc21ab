--[[
  Shared library, prepended to every document-writing script before it is loaded. It keeps the
  document hash, the indexes, the audit log, the history and the cache in step, so the scripts
  that use it differ only in their guard (compare-and-set, or newer-than).

  Every script that includes it takes these KEYS first:
    KEYS[1]  index:all:<c>           members <sort member>
    KEYS[2]  index:published:<c>     members <sort member>
    KEYS[3]  index:draft:<c>
    KEYS[4]  index:archived:<c>
    KEYS[5]  index:featured:<c>      members <status>|<sort member>
    KEYS[6]  index:tags:<c>          members <status>|<tag>|<sort member>
    KEYS[7]  data:<c>:<id>           hash: doc, version, checksum, member, status, featured, tags
    KEYS[8]  meta:tombstones:<c>     hash: id -> version at which it was deleted
    KEYS[9]  history:<c>:<id>        list of previous versions, newest first
    KEYS[10] audit:entries           sorted set scored by time (ms)
    KEYS[11] audit:stats             hash of counters
    KEYS[12] cache:api:<c>           hash of cached list pages
    KEYS[13] cache:api:<c>:gen       cache generation, bumped by every write
    KEYS[14] meta:schema:version
]]

local STATUS_INDEX = { published = 2, draft = 3, archived = 4 }

local function split_lines(text)
  local out = {}
  if text == nil or text == '' then return out end
  for part in string.gmatch(text, '[^\n]+') do out[#out + 1] = part end
  return out
end

-- The version the next write is measured against: the live document's, else the tombstone's, else 0.
local function head_version(id)
  local v = redis.call('HGET', KEYS[7], 'version')
  if v then return tonumber(v), true end
  local t = redis.call('HGET', KEYS[8], id)
  if t then return tonumber(t), false end
  return 0, false
end

local function schema_too_new(known)
  local found = tonumber(redis.call('GET', KEYS[14]) or '0')
  if found > tonumber(known) then return found end
  return nil
end

local function unindex()
  local old = redis.call('HMGET', KEYS[7], 'member', 'status', 'featured', 'tags')
  local member, status = old[1], old[2]
  if not member then return end
  redis.call('ZREM', KEYS[1], member)
  local idx = STATUS_INDEX[status]
  if idx then redis.call('ZREM', KEYS[idx], member) end
  if old[3] == '1' then redis.call('ZREM', KEYS[5], status .. '|' .. member) end
  for _, tag in ipairs(split_lines(old[4])) do
    redis.call('ZREM', KEYS[6], status .. '|' .. tag .. '|' .. member)
  end
end

local function store_doc(id, version, doc, checksum, member, status, featured, tags)
  redis.call('HSET', KEYS[7], 'doc', doc, 'version', version, 'checksum', checksum,
    'member', member, 'status', status, 'featured', featured, 'tags', tags)
  redis.call('HDEL', KEYS[8], id)
  redis.call('ZADD', KEYS[1], 0, member)
  local idx = STATUS_INDEX[status]
  if idx then redis.call('ZADD', KEYS[idx], 0, member) end
  if featured == '1' then redis.call('ZADD', KEYS[5], 0, status .. '|' .. member) end
  for _, tag in ipairs(split_lines(tags)) do
    redis.call('ZADD', KEYS[6], 0, status .. '|' .. tag .. '|' .. member)
  end
end

local function remove_doc(id, version)
  redis.call('DEL', KEYS[7])
  redis.call('HSET', KEYS[8], id, version)
end

local function record(audit_json, audit_score, audit_limit, history_json, history_limit, stat_fields, timestamp)
  if audit_json ~= '' then
    redis.call('ZADD', KEYS[10], audit_score, audit_json)
    redis.call('ZREMRANGEBYRANK', KEYS[10], 0, -(tonumber(audit_limit) + 1))
    for _, field in ipairs(split_lines(stat_fields)) do redis.call('HINCRBY', KEYS[11], field, 1) end
    redis.call('HSET', KEYS[11], 'lastActivity', timestamp)
  end
  if history_json ~= '' then
    redis.call('LPUSH', KEYS[9], history_json)
    redis.call('LTRIM', KEYS[9], 0, tonumber(history_limit) - 1)
  end
  redis.call('INCR', KEYS[13])
  redis.call('DEL', KEYS[12])
end

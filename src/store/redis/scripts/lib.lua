--[[
  Shared library, prepended to every document-writing script before it is loaded. It keeps the
  document hash, the indexes, the audit log, the history and the cache in step, so the scripts
  that use it differ only in their guard (compare-and-set, or newer-than) and in how many
  documents they take.

  Every script that includes it takes the index keys first:
    KEYS[1]  index:all:<c>           members <sort member>
    KEYS[2]  index:published:<c>     members <sort member>
    KEYS[3]  index:draft:<c>
    KEYS[4]  index:archived:<c>
    KEYS[5]  index:featured:<c>      members <status>|<sort member>
    KEYS[6]  index:tags:<c>          members <status>|<tag>|<sort member>
  The other keys (the document hash data:<c>:<id> with fields doc, version, checksum, member,
  status, featured, tags; meta:tombstones:<c>; history; audit; cache) are passed to the functions
  by each script, which lists them in its own header.
]]

local STATUS_INDEX = { published = 2, draft = 3, archived = 4 }

local function split_lines(text)
  local out = {}
  if text == nil or text == '' then return out end
  for part in string.gmatch(text, '[^\n]+') do out[#out + 1] = part end
  return out
end

-- The version the next write is measured against: the live document's, else the tombstone's, else 0.
-- Also whether the document exists and whether a tombstone does, so callers skip needless calls.
local function head_version(doc_key, tomb_key, id)
  local v = redis.call('HGET', doc_key, 'version')
  if v then return tonumber(v), true, false end
  local t = redis.call('HGET', tomb_key, id)
  if t then return tonumber(t), false, true end
  return 0, false, false
end

local function schema_too_new(schema_key, known)
  local found = tonumber(redis.call('GET', schema_key) or '0')
  if found > tonumber(known) then return found end
  return nil
end

local function unindex(doc_key)
  local old = redis.call('HMGET', doc_key, 'member', 'status', 'featured', 'tags')
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

-- Adds a document's index members to `adds` (index position -> ZADD arguments), to be written
-- with one ZADD per index by flush_indexes.
local function collect_index_members(adds, member, status, featured, tags)
  local function add(index, value)
    local list = adds[index]
    if not list then list = {}; adds[index] = list end
    list[#list + 1] = 0
    list[#list + 1] = value
  end
  add(1, member)
  local idx = STATUS_INDEX[status]
  if idx then add(idx, member) end
  if featured == '1' then add(5, status .. '|' .. member) end
  for _, tag in ipairs(split_lines(tags)) do add(6, status .. '|' .. tag .. '|' .. member) end
end

local function flush_indexes(adds)
  for index, list in pairs(adds) do redis.call('ZADD', KEYS[index], unpack(list)) end
end

-- Writes the document hash and collects its index members into `adds` (flushed by the caller).
local function write_doc(adds, doc_key, tomb_key, id, version, doc, checksum, member, status, featured, tags, tombstoned)
  redis.call('HSET', doc_key, 'doc', doc, 'version', version, 'checksum', checksum,
    'member', member, 'status', status, 'featured', featured, 'tags', tags)
  if tombstoned ~= false then redis.call('HDEL', tomb_key, id) end
  collect_index_members(adds, member, status, featured, tags)
end

local function store_doc(doc_key, tomb_key, id, version, doc, checksum, member, status, featured, tags, tombstoned)
  local adds = {}
  write_doc(adds, doc_key, tomb_key, id, version, doc, checksum, member, status, featured, tags, tombstoned)
  flush_indexes(adds)
end

local function remove_doc(doc_key, tomb_key, id, version)
  redis.call('DEL', doc_key)
  redis.call('HSET', tomb_key, id, version)
end

local function invalidate(cache_key, gen_key)
  redis.call('INCR', gen_key)
  redis.call('DEL', cache_key)
end

local function record(history_key, audit_key, stats_key, audit_json, audit_score, audit_limit, history_json, history_limit, stat_fields, timestamp)
  if audit_json ~= '' then
    redis.call('ZADD', audit_key, audit_score, audit_json)
    redis.call('ZREMRANGEBYRANK', audit_key, 0, -(tonumber(audit_limit) + 1))
    for _, field in ipairs(split_lines(stat_fields)) do redis.call('HINCRBY', stats_key, field, 1) end
    redis.call('HSET', stats_key, 'lastActivity', timestamp)
  end
  if history_json ~= '' then
    redis.call('LPUSH', history_key, history_json)
    redis.call('LTRIM', history_key, 0, tonumber(history_limit) - 1)
  end
end

--[[
  putManyIfNewer: the conditional put of putIfNewer.lua for a whole batch of documents copied
  from another store (a backfill or an import), in one call: each is written only where this
  store has it absent or older. Copies carry no audit or history entry of their own, so this
  script writes none; the cache is invalidated once for the batch.

  KEYS[1..6]  the indexes, as in lib.lua
  KEYS[7]     meta:tombstones:<c>   KEYS[8] cache:api:<c>   KEYS[9] cache:api:<c>:gen
  KEYS[10]    meta:schema:version
  KEYS[11..]  data:<c>:<id>, one per document, in the order of ARGV

  ARGV[1] '1' to also replace the same version (repair of a divergent copy)
  ARGV[2] schema version this code knows
  then 9 per document: id, version, '1' for a deletion, document JSON, checksum, sort member,
  status, featured ('1' | '0'), tag tokens (newline-separated)

  Returns { 'OK', outcome per document (1 applied, 0 skipped) }, or { 'SCHEMA', found }.
]]

local newer = schema_too_new(KEYS[10], ARGV[2])
if newer then return { 'SCHEMA', newer } end

local outcomes = {}
local applied = false
-- Index members of the whole batch, written with one ZADD per index at the end.
local adds = {}
for n = 0, #KEYS - 11 do
  local doc_key = KEYS[11 + n]
  local a = 3 + n * 9
  local id, incoming = ARGV[a], tonumber(ARGV[a + 1])
  local current, exists, tombstoned = head_version(doc_key, KEYS[7], id)
  if incoming < current or (incoming == current and ARGV[1] ~= '1') then
    outcomes[#outcomes + 1] = 0
  else
    if exists then unindex(doc_key) end
    if ARGV[a + 2] == '1' then
      remove_doc(doc_key, KEYS[7], id, ARGV[a + 1])
    else
      write_doc(adds, doc_key, KEYS[7], id, ARGV[a + 1], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8], tombstoned)
    end
    outcomes[#outcomes + 1] = 1
    applied = true
  end
end
flush_indexes(adds)
if applied then invalidate(KEYS[8], KEYS[9]) end
return { 'OK', outcomes }

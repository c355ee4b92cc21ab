--[[
  commitDocument: one create, update or delete, as a compare-and-set on the version, applied
  together with its indexes, audit entry, counters, history and cache invalidation.

  KEYS[1..6]  the indexes, as in lib.lua
  KEYS[7]  data:<c>:<id>            KEYS[8]  meta:tombstones:<c>     KEYS[9]  history:<c>:<id>
  KEYS[10] audit:entries            KEYS[11] audit:stats             KEYS[12] cache:api:<c>
  KEYS[13] cache:api:<c>:gen        KEYS[14] meta:schema:version
  KEYS[15] meta:ops:<opId>   the result of this operation, so a retry is not applied twice:
           '<version> <collection>/<id>', or '<version>' alone as written before keys were
           scoped to a document (taken as matching; it expires)
  KEYS[16] meta:migration:state   the migration state, whose last switch ARGV[20] is checked against
  KEYS[17] meta:migration:owed:<c>   ids whose copy to the other store is owed (ARGV[22])

  ARGV[1]  kind: create | update | delete
  ARGV[2]  id
  ARGV[3]  base version: the version the change was computed from
  ARGV[4]  new version
  ARGV[5]  document JSON ('' for delete)
  ARGV[6]  checksum       ARGV[7] sort member   ARGV[8] status   ARGV[9] featured ('1' | '0')
  ARGV[10] tag tokens, newline-separated
  ARGV[11] audit entry JSON   ARGV[12] audit score (ms)   ARGV[13] audit limit
  ARGV[14] history entry JSON ('' for none)   ARGV[15] history limit
  ARGV[16] seconds to remember the operation id
  ARGV[17] schema version this code knows
  ARGV[18] counter fields, newline-separated   ARGV[19] timestamp (ISO)
  ARGV[20] the migration state's epoch the write was planned under, or '' when no migration
           routes this write. A stage switch made since (switchStage.lua records its epoch in
           the state's `switch` field) refuses it.
  ARGV[21] '<collection>/<id>': the document written, recorded with the operation id
  ARGV[22] '1' when the stage copies this write to the JSON files: the id is added to KEYS[17]
           with the commit, so a switch back can make the copy if it has not landed

  Returns { outcome, version }, outcome one of:
    OK (applied, version is the new one), DUPLICATE (applied before, its version),
    REUSED (nothing changed: the operation id was applied to another document, named as a
      third element '<collection>/<id>'; version is that write's),
    CONFLICT / EXISTS / MISSING (nothing changed, version is the current one),
    SCHEMA (nothing changed, version is the store's newer schema version),
    STAGE (nothing changed, version is the epoch of the switch made since)
]]

local done = redis.call('GET', KEYS[15])
if done then
  local version, target = string.match(done, '^(%d+) (.+)$')
  if target and target ~= ARGV[21] then return { 'REUSED', tonumber(version), target } end
  return { 'DUPLICATE', tonumber(version or done) }
end

if ARGV[20] ~= '' then
  local switched = tonumber(redis.call('HGET', KEYS[16], 'switch') or '0')
  if switched > tonumber(ARGV[20]) then return { 'STAGE', switched } end
end

local newer = schema_too_new(KEYS[14], ARGV[17])
if newer then return { 'SCHEMA', newer } end

local kind, id = ARGV[1], ARGV[2]
local current, exists = head_version(KEYS[7], KEYS[8], id)
if kind == 'create' and exists then return { 'EXISTS', current } end
if kind ~= 'create' and not exists then return { 'MISSING', current } end
if current ~= tonumber(ARGV[3]) then return { 'CONFLICT', current } end

unindex(KEYS[7])
if kind == 'delete' then
  remove_doc(KEYS[7], KEYS[8], id, ARGV[4])
else
  store_doc(KEYS[7], KEYS[8], id, ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
end
record(KEYS[9], KEYS[10], KEYS[11], ARGV[11], ARGV[12], ARGV[13], ARGV[14], ARGV[15], ARGV[18], ARGV[19])
invalidate(KEYS[12], KEYS[13])
if ARGV[22] == '1' then redis.call('SADD', KEYS[17], ARGV[2]) end
redis.call('SET', KEYS[15], ARGV[4] .. ' ' .. ARGV[21], 'EX', tonumber(ARGV[16]))
return { 'OK', tonumber(ARGV[4]) }

--[[
  putIfNewer: writes a document (or a deletion) copied from another store, only where this store
  has it absent or at an older version, so a backfill or repair never overwrites a newer write.

  KEYS[1..6]  the indexes, as in lib.lua
  KEYS[7]  data:<c>:<id>            KEYS[8]  meta:tombstones:<c>     KEYS[9]  history:<c>:<id>
  KEYS[10] audit:entries            KEYS[11] audit:stats             KEYS[12] cache:api:<c>
  KEYS[13] cache:api:<c>:gen        KEYS[14] meta:schema:version
  KEYS[15] meta:ops:<opId>, only for the copy of a committed write that carries its operation id:
           recorded as commitDocument.lua records it, so a retry is not applied twice when this
           store has become the authoritative one

  ARGV[1]  id
  ARGV[2]  incoming version
  ARGV[3]  '1' for a deletion, '0' for a document
  ARGV[4]  document JSON   ARGV[5] checksum   ARGV[6] sort member   ARGV[7] status   ARGV[8] featured
  ARGV[9]  tag tokens, newline-separated
  ARGV[10] '1' to also replace the same version (repair of a divergent copy)
  ARGV[11] audit entry JSON ('' for none)   ARGV[12] audit score   ARGV[13] audit limit
  ARGV[14] history entry JSON ('' for none) ARGV[15] history limit
  ARGV[16] counter fields   ARGV[17] timestamp   ARGV[18] schema version this code knows
  ARGV[19] '<collection>/<id>' to record under KEYS[15], or '' for a copy with no operation id
  ARGV[20] the version the operation produced   ARGV[21] seconds to remember the operation id

  Returns { outcome, version }: APPLIED or SKIPPED with the version this store now holds,
  or SCHEMA with the store's newer schema version.
]]

local newer = schema_too_new(KEYS[14], ARGV[18])
if newer then return { 'SCHEMA', newer } end

-- Recorded even where the copy is skipped as not newer: the operation was applied all the same.
-- NX: a record there already is this operation's (or, for a reused key, the first one's).
if ARGV[19] ~= '' then
  redis.call('SET', KEYS[15], ARGV[20] .. ' ' .. ARGV[19], 'EX', tonumber(ARGV[21]), 'NX')
end

local id = ARGV[1]
local incoming = tonumber(ARGV[2])
local current = head_version(KEYS[7], KEYS[8], id)
if incoming < current or (incoming == current and ARGV[10] ~= '1') then
  return { 'SKIPPED', current }
end

unindex(KEYS[7])
if ARGV[3] == '1' then
  remove_doc(KEYS[7], KEYS[8], id, ARGV[2])
else
  store_doc(KEYS[7], KEYS[8], id, ARGV[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
end
record(KEYS[9], KEYS[10], KEYS[11], ARGV[11], ARGV[12], ARGV[13], ARGV[14], ARGV[15], ARGV[16], ARGV[17])
invalidate(KEYS[12], KEYS[13])
return { 'APPLIED', incoming }

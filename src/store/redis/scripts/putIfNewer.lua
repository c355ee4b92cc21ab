--[[
  putIfNewer: writes a document (or a deletion) copied from another store, only where this store
  has it absent or at an older version, so a backfill or repair never overwrites a newer write.

  KEYS[1..6]  the indexes, as in lib.lua
  KEYS[7]  data:<c>:<id>            KEYS[8]  meta:tombstones:<c>     KEYS[9]  history:<c>:<id>
  KEYS[10] audit:entries            KEYS[11] audit:stats             KEYS[12] cache:api:<c>
  KEYS[13] cache:api:<c>:gen        KEYS[14] meta:schema:version

  ARGV[1]  id
  ARGV[2]  incoming version
  ARGV[3]  '1' for a deletion, '0' for a document
  ARGV[4]  document JSON   ARGV[5] checksum   ARGV[6] sort member   ARGV[7] status   ARGV[8] featured
  ARGV[9]  tag tokens, newline-separated
  ARGV[10] '1' to also replace the same version (repair of a divergent copy)
  ARGV[11] audit entry JSON ('' for none)   ARGV[12] audit score   ARGV[13] audit limit
  ARGV[14] history entry JSON ('' for none) ARGV[15] history limit
  ARGV[16] counter fields   ARGV[17] timestamp   ARGV[18] schema version this code knows

  Returns { outcome, version }: APPLIED or SKIPPED with the version this store now holds,
  or SCHEMA with the store's newer schema version.
]]

local newer = schema_too_new(KEYS[14], ARGV[18])
if newer then return { 'SCHEMA', newer } end

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

/**
 * The version of the stored layout (keys, document shape) this code reads and writes. A store
 * stamped with a newer version was written by newer code: this code still reads it, but refuses
 * to write, so an old instance left running during an upgrade cannot corrupt the new layout.
 * Opening a store stamped with an older version raises it to this one.
 *
 * 2: idempotency records name their document ('<version> <collection>/<id>' in Redis, an object
 *    in meta.json), which version 1 misreads; stage switches are recorded for the commit fence,
 *    which version 1 does not send.
 */
export const SCHEMA_VERSION = 2;

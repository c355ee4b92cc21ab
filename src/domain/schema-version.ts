/**
 * The version of the stored layout (keys, document shape) this code reads and writes. A store
 * stamped with a newer version was written by newer code: this code still reads it, but refuses
 * to write, so an old instance left running during an upgrade cannot corrupt the new layout.
 */
export const SCHEMA_VERSION = 1;

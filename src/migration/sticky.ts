/**
 * Which store serves an id in `live`: a stable hash of the id to a bucket 0-99, served by Redis
 * when the bucket is below readPercent. Raising the percentage only adds buckets, so a document
 * that moved to Redis stays there, and every instance agrees without coordination.
 */
export function bucketOf(key: string): number {
  // FNV-1a, 32 bit: fast, stable across processes and versions, and well spread for slugs.
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

export function servedByRedis(key: string, readPercent: number): boolean {
  return bucketOf(key) < readPercent;
}

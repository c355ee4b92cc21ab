/**
 * Which entries the near cache drops when it is full, on the class alone (the behaviour against
 * a real Redis is in near-cache.test.ts): entries read since the last sweep get a second chance,
 * and a sweep drops down to seven eighths of the budget at once.
 */
import { describe, expect, it } from 'vitest';
import { NearCache } from '../../src/store/redis/near-cache.js';

/** A live cache that trusts its watch for an hour, so no confirmation is needed while testing. */
function liveCache(maxBytes: number): NearCache<string> {
  const cache = new NearCache<string>(maxBytes, 3_600_000);
  cache.setLive(true);
  cache.confirmed(performance.now());
  return cache;
}

/** Fills `key` as an entry of 520 bytes: the cache counts 480 bytes of overhead, the key and the value's length. */
function fill(cache: NearCache<string>, key: string): void {
  cache.finish(cache.begin(key), key, `value of ${key}`, 520 - 480 - key.length);
}

describe('NearCache eviction', () => {
  it('drops the oldest entries not read since they were filled, and keeps those read', () => {
    const cache = liveCache(8 * 520);
    for (let n = 0; n < 8; n += 1) fill(cache, `k${n}`);
    expect(cache.size).toBe(8);
    expect(cache.get('k0')).toBe('value of k0');
    fill(cache, 'k8');
    // Over budget: down to 7/8 of it (7 entries), the read k0 spared, k1 and k2 gone.
    expect(cache.usedBytes).toBeLessThanOrEqual(7 * 520);
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k2')).toBeUndefined();
    expect(cache.get('k0')).toBe('value of k0');
    expect(cache.get('k8')).toBe('value of k8');
  });

  it('spends its second chance: an entry not read again after it was spared goes in a later sweep', () => {
    const cache = liveCache(4 * 520);
    for (let n = 0; n < 4; n += 1) fill(cache, `k${n}`);
    cache.get('k0');
    fill(cache, 'k4'); // sweep: k0 spared and moved behind k3; k1 and k2 dropped
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.size).toBe(3);
    fill(cache, 'k5');
    fill(cache, 'k6'); // sweep: k3 dropped, then k0, read no more since it was spared
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k6')).toBe('value of k6');
    expect(cache.usedBytes).toBeLessThanOrEqual(4 * 520);
  });

  it('stays within its budget when every entry has been read', () => {
    const cache = liveCache(16 * 520);
    for (let n = 0; n < 16; n += 1) fill(cache, `k${n}`);
    for (let n = 0; n < 16; n += 1) cache.get(`k${n}`);
    fill(cache, 'k16');
    expect(cache.usedBytes).toBeLessThanOrEqual(14 * 520);
    expect(cache.get('k16')).toBe('value of k16');
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson, checksumOf, withChecksum } from '../../src/domain/canonical.js';

/** The definition, written plainly: keys sorted at every depth, undefined dropped from objects, null in arrays. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined);
    return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A small seeded generator, so a failure names a value that can be made again. */
function randomValue(seed: number): unknown {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const keys = ['b', 'a', 'title', 'Zeta', 'é', '10', '2', '0', '01', '__proto__', '', 'a b', '\u2028', 'metadata'];
  const leaf = (): unknown => {
    const pick = next();
    if (pick < 0.2) return Math.floor(next() * 1000) - 500;
    if (pick < 0.3) return next() * 10;
    if (pick < 0.4) return null;
    if (pick < 0.5) return next() < 0.5;
    if (pick < 0.55) return undefined;
    return ['plain', 'quote " and \\', 'é ü 中文 😀', '\n\t', ''][Math.floor(next() * 5)];
  };
  const build = (depth: number): unknown => {
    if (depth > 3 || next() < 0.3) return leaf();
    if (next() < 0.4) return Array.from({ length: Math.floor(next() * 4) }, () => build(depth + 1));
    const entries: [string, unknown][] = Array.from({ length: Math.floor(next() * 5) }, () => [keys[Math.floor(next() * keys.length)] as string, build(depth + 1)]);
    // defineProperty, so a `__proto__` key is an own key as JSON.parse makes it.
    const out = {};
    for (const [key, item] of entries) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    return out;
  };
  return build(0);
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members and writes undefined array items as null', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, undefined, { y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[3,null,{"x":2,"y":1}]},"b":1}');
  });

  it('orders array-index keys as strings, not as V8 keeps them', () => {
    // V8 iterates "2" before "10"; sorted as strings, "10" comes first.
    expect(canonicalJson({ b: 1, 10: 'x', 2: 'y', a: 0 })).toBe('{"10":"x","2":"y","a":0,"b":1}');
    expect(canonicalJson([{ z: { 2: 0, 10: 1 } }])).toBe('[{"z":{"10":1,"2":0}}]');
  });

  it('keeps a __proto__ key as a member', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it('agrees with the plain definition on generated values', () => {
    for (let seed = 1; seed <= 3000; seed += 1) {
      const value = randomValue(seed);
      expect(canonicalJson(value), `seed ${seed}`).toBe(reference(value));
    }
  });

  it('gives the bytes and checksum that documents already stored carry', () => {
    // Computed by the earlier implementation (a hand writer throughout): a stored checksum must not change meaning.
    const doc = JSON.parse('{"b":1,"a":{"10":"x","2":"y","z":[3,{"d":null,"c":"é\\u2028\\"q"}]},"__proto__":{"k":true},"metadata":{"version":2,"checksum":"zz"}}');
    expect(canonicalJson(doc)).toBe('{"__proto__":{"k":true},"a":{"10":"x","2":"y","z":[3,{"c":"é\u2028\\"q","d":null}]},"b":1,"metadata":{"checksum":"zz","version":2}}');
    expect(checksumOf(doc)).toBe('62ccf9190f8d0e5dfb9dd688133f376399a3d6a2a5b53a737fe4f4b0884320e8');
    const plain = { id: 'p-1', title: 'T', tags: ['x'], metadata: { version: 3, status: 'published', checksum: 'old' } };
    expect(withChecksum(plain).metadata.checksum).toBe(checksumOf(plain));
    expect(checksumOf(plain)).toBe(checksumOf({ ...plain, metadata: { ...plain.metadata, checksum: 'other' } }));
  });
});

/**
 * A class that a CommonJS module exports as `exports.default`, as node-redis's modules do. Node
 * hands an ES module the whole `module.exports` as its default import, while vitest hands it
 * `exports.default` itself; a class is a function and `module.exports` is not, so either works.
 */
export function classOf<T extends abstract new (...args: never[]) => unknown>(loaded: T | { default: T }): T {
  return typeof loaded === 'function' ? loaded : loaded.default;
}

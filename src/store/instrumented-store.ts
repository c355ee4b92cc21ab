/**
 * Times every store operation into the store-duration histogram, by store kind, operation and
 * outcome. A Proxy rather than a hand-written wrapper per method, so a method added to the port
 * is measured without anyone remembering to; each method's wrapper and label sets are made once.
 */
import type { Metrics } from '../observability/metrics.js';
import type { ContentStore } from './port.js';

const UNTIMED = new Set<PropertyKey>(['open', 'close', 'kind', 'schemaProblem', 'constructor']);

export function instrumentStore<T extends ContentStore>(store: T, metrics: Metrics, label = store.kind): T {
  const wrappers = new Map<string, (...args: unknown[]) => unknown>();
  const wrap = (operation: string, method: (...args: unknown[]) => unknown) => {
    const ok = metrics.storeDuration.labels(label, operation, 'ok');
    const failed = metrics.storeDuration.labels(label, operation, 'error');
    return function timedOperation(...args: unknown[]): unknown {
      const started = performance.now();
      const result = method.apply(store, args);
      if (!(result instanceof Promise)) return result;
      return result.then(
        (resolved) => {
          ok.observe((performance.now() - started) / 1000);
          return resolved;
        },
        (error: unknown) => {
          failed.observe((performance.now() - started) / 1000);
          throw error;
        },
      );
    };
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || UNTIMED.has(property) || typeof property !== 'string') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        wrapper = wrap(property, value as (...args: unknown[]) => unknown);
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

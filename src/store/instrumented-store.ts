/**
 * Times every store operation into the store-duration histogram, by store kind, operation and
 * outcome. A Proxy rather than a hand-written wrapper per method, so a method added to the port
 * is measured without anyone remembering to.
 */
import type { Metrics } from '../observability/metrics.js';
import type { ContentStore } from './port.js';

const UNTIMED = new Set<PropertyKey>(['open', 'close', 'kind', 'schemaProblem', 'constructor']);

export function instrumentStore<T extends ContentStore>(store: T, metrics: Metrics, label = store.kind): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || UNTIMED.has(property) || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const stop = metrics.storeDuration.startTimer({ store: label, operation: property });
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) {
          return result.then(
            (resolved) => {
              stop({ outcome: 'ok' });
              return resolved;
            },
            (error: unknown) => {
              stop({ outcome: 'error' });
              throw error;
            },
          );
        }
        stop({ outcome: 'ok' });
        return result;
      };
    },
  });
}

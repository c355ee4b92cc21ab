/**
 * The readiness report: each store answers a ping (with its latency) and says whether it takes
 * writes. Down means no content can be read; degraded means reads work but something is wrong.
 */
import type { HealthCheck, HealthReport } from '../http/routes/health.js';
import { ContentKvError } from '../domain/errors.js';
import type { ContentStore } from '../store/port.js';

export interface HealthSource {
  name: string;
  store: ContentStore;
  /** Whether content can still be served when this one fails. */
  required: boolean;
  writable?: () => boolean;
  /** The circuit breaker's state, where the store has one. */
  circuit?: () => string;
}

async function check(source: HealthSource): Promise<HealthCheck & { circuit?: string }> {
  const circuit = source.circuit?.();
  try {
    const latencyMs = Math.round((await source.store.ping()) * 100) / 100;
    const problems = [
      source.store.schemaProblem,
      source.writable && !source.writable() ? 'read-only: writes are refused' : null,
      circuit && circuit !== 'closed' ? `circuit ${circuit}` : null,
    ].filter(Boolean);
    return { name: source.name, ok: problems.length === 0, latencyMs, detail: problems.join('; ') || undefined, ...(circuit && { circuit }) };
  } catch (error) {
    // Only our own errors' words: a transport's or the file system's could name hosts and paths.
    return { name: source.name, ok: false, detail: error instanceof ContentKvError ? error.message : 'unreachable', ...(circuit && { circuit }) };
  }
}

export function healthReporter(kind: string, sources: HealthSource[], extra: () => Promise<Record<string, unknown>> = async () => ({})) {
  return async (): Promise<HealthReport> => {
    const checks = await Promise.all(sources.map(check));
    const reasons = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? 'failing'}`);
    const requiredDown = sources.some((source, index) => source.required && !checks[index]?.ok && checks[index]?.latencyMs === undefined);
    const status = requiredDown ? 'down' : reasons.length > 0 ? 'degraded' : 'ok';
    return { status, store: kind, checks, reasons, ...(await extra()) };
  };
}

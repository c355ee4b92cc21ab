/**
 * A paced mix of reads and writes against a running server, recording every outcome: status,
 * latency, and for failed writes whether the server said the write may have been applied.
 * Each write gives its document a unique title, so afterwards it can be told whether it landed.
 */
export interface Outcome {
  kind: 'read' | 'write';
  id: string;
  status: number;
  ms: number;
  startedAt: number;
  title?: string;
  idempotencyKey?: string;
  maybeApplied?: boolean;
  version?: number;
  fallback?: string | null;
  stale?: string | null;
}

export interface LoadOptions {
  url: string;
  token: string;
  ids: string[];
  /** Requests per second, spread evenly. */
  rate: number;
  durationMs: number;
  writeShare: number;
  /** Per-request client timeout, far above the server's own. */
  clientTimeoutMs?: number;
}

export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const versions = new Map<string, number>();
  const busy = new Set<string>();
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  let n = 0;
  while (Date.now() - started < options.durationMs) {
    n += 1;
    const id = options.ids[n % options.ids.length] as string;
    const isWrite = (n * 7919) % 100 < options.writeShare * 100 && !busy.has(id);
    inFlight.push(isWrite ? write(id, n) : read(id));
    const next = started + (n * 1000) / options.rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  await Promise.all(inFlight);
  return outcomes;

  async function request(path: string, init: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
    const response = await fetch(`${options.url}${path}`, { ...init, signal: AbortSignal.timeout(options.clientTimeoutMs ?? 20_000) });
    return { status: response.status, body: await response.json().catch(() => null), headers: response.headers };
  }

  async function read(id: string): Promise<void> {
    const startedAt = Date.now();
    try {
      const { status, headers } = await request(`/api/projects/${id}`, { headers: { Authorization: `Bearer ${options.token}` } });
      outcomes.push({ kind: 'read', id, status, ms: Date.now() - startedAt, startedAt, fallback: headers.get('x-contentkv-fallback'), stale: headers.get('x-contentkv-stale') });
    } catch {
      outcomes.push({ kind: 'read', id, status: 0, ms: Date.now() - startedAt, startedAt });
    }
  }

  async function write(id: string, n: number): Promise<void> {
    busy.add(id);
    const startedAt = Date.now();
    const title = `load write ${n} to ${id}`;
    const idempotencyKey = `load-${n}-${startedAt}`;
    try {
      const { status, body } = await request(`/api/projects/${id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${options.token}`, 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
        body: JSON.stringify({ title }),
      });
      const version = body?.data?.metadata?.version as number | undefined;
      if (version) versions.set(id, version);
      outcomes.push({ kind: 'write', id, status, ms: Date.now() - startedAt, startedAt, title, idempotencyKey, version, maybeApplied: body?.error?.details?.maybeApplied });
    } catch {
      outcomes.push({ kind: 'write', id, status: 0, ms: Date.now() - startedAt, startedAt, title, idempotencyKey, maybeApplied: true });
    } finally {
      busy.delete(id);
    }
  }
}

export function summarize(outcomes: Outcome[]) {
  const by = (kind: Outcome['kind']) => outcomes.filter((outcome) => outcome.kind === kind);
  const stats = (list: Outcome[]) => ({
    total: list.length,
    ok: list.filter((o) => o.status === 200).length,
    unavailable: list.filter((o) => o.status === 503).length,
    other: list.filter((o) => o.status !== 200 && o.status !== 503).length,
    maxMs: Math.max(0, ...list.map((o) => o.ms)),
    maxFailedMs: Math.max(0, ...list.filter((o) => o.status !== 200).map((o) => o.ms)),
  });
  return { reads: stats(by('read')), writes: stats(by('write')), fallbackReads: by('read').filter((o) => o.fallback).length, staleReads: by('read').filter((o) => o.stale).length };
}

/**
 * The original site's response envelope, kept so its clients keep working:
 * `{ success, data?, error?{code,message,details?}, meta?{timestamp,requestId,total?,page?,limit?} }`,
 * with `nextCursor` added to meta for cursor paging.
 */
export interface Meta {
  timestamp: string;
  requestId: string;
  total?: number | null;
  limit?: number;
  nextCursor?: string | null;
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

let stampedMs = Number.NaN;
let stamp = '';

/**
 * meta.timestamp: now, as ISO 8601. Made once per millisecond and shared by the responses of
 * that millisecond: a cached GET answers in about 25 µs of CPU, and formatting a Date took 0.5
 * of them (2.4% of the benchmark's GET profile).
 */
export function metaTimestamp(): string {
  const now = Date.now();
  if (now !== stampedMs) {
    stampedMs = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

export function okBody(data: unknown, meta: Meta): { success: true; data: unknown; meta: Meta } {
  return { success: true, data, meta };
}

export function errorBody(error: ErrorBody, meta: Meta): { success: false; error: ErrorBody; meta: Meta } {
  return { success: false, error, meta };
}

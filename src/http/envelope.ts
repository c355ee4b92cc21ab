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

export function okBody(data: unknown, meta: Meta): { success: true; data: unknown; meta: Meta } {
  return { success: true, data, meta };
}

export function errorBody(error: ErrorBody, meta: Meta): { success: false; error: ErrorBody; meta: Meta } {
  return { success: false, error, meta };
}

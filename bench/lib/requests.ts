/**
 * The requests each scenario sends, built once per run so the load generator only picks the
 * next one. The MCP request is what a 2025-era client (SDK v1, or v2 in its default mode) sends
 * after initialize: a plain JSON-RPC tools/call with the Streamable HTTP headers.
 */
import type { LoadPlan } from './load.js';
import { cycle } from './random.js';

export const MCP_PROTOCOL_VERSION = '2025-11-25';

/** A server to load: where it listens, and its pid when its CPU time should be reported. */
export interface Target {
  url: string;
  pid?: number;
  redisPid?: number;
}

/** The pid fields of a plan for a target. */
export function pidsOf(target: Target): { pid?: number; redisPid?: number } {
  return { ...(target.pid ? { pid: target.pid } : {}), ...(target.redisPid ? { redisPid: target.redisPid } : {}) };
}

export function mcpHeaders(token: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MCP_PROTOCOL_VERSION,
    authorization: `Bearer ${token}`,
  };
}

export function toolCall(rpcId: number, name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', id: rpcId, method: 'tools/call', params: { name, arguments: args } });
}

/** GET one document per request, cycling through the given paths. */
export function getPlan(target: Target, paths: readonly string[], connections: number, headers: Record<string, string> = {}): LoadPlan {
  const next = cycle(paths);
  return {
    url: target.url,
    ...pidsOf(target),
    method: 'GET',
    path: paths[0] as string,
    headers,
    connections,
    setupRequest: (request) => {
      request.path = next();
      return request;
    },
  };
}

/** A successful tools/call answer, in JSON or as one SSE event; not an isError result. */
export function isToolSuccess(status: number, body: string): boolean {
  return status === 200 && body.includes('"structuredContent"') && !body.includes('"isError":true');
}

/** tools/call get_project, cycling through the given ids. */
export function mcpGetPlan(target: Target, ids: readonly string[], token: string, connections: number): LoadPlan {
  const bodies = ids.map((id, index) => Buffer.from(toolCall(index + 1, 'get_project', { id })));
  const next = cycle(bodies);
  return {
    url: target.url,
    ...pidsOf(target),
    method: 'POST',
    path: '/mcp',
    headers: mcpHeaders(token),
    connections,
    setupRequest: (request) => {
      request.body = next();
      return request;
    },
    accept: (status, body) => isToolSuccess(status, body),
  };
}

/** The JSON-RPC message of a response, whether sent as JSON or as a single SSE event. */
export function rpcMessage(body: string): { result?: Record<string, unknown>; error?: unknown } | null {
  try {
    if (body.startsWith('{')) return JSON.parse(body) as { result?: Record<string, unknown> };
    const data = /^data: (.*)$/m.exec(body)?.[1];
    return data ? (JSON.parse(data) as { result?: Record<string, unknown> }) : null;
  } catch {
    return null;
  }
}

/**
 * The fast lane for the hot call: a 2025-era `tools/call` of a known tool with valid arguments.
 *
 * Why it exists: the SDK's stateless serving builds a transport (and a server) per request,
 * measured at 2,000-3,000 calls/s on this 2-core machine against about 15,000 for this lane
 * (see bench/ and the README). The lane answers only the exact case it can answer the same way
 * the SDK would, using the SDK's own public classifier; anything else (initialize, tools/list,
 * 2026-07-28 requests, unknown tools, invalid arguments, odd headers) goes to the SDK, so every
 * protocol error still comes from the SDK. A differential test compares both paths' answers.
 */
import { isLegacyRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { ToolRunner } from './call-tool.js';
import type { PreparedTool } from './sdk-server.js';
import type { ToolDeps } from './tool.js';
import type { Actor } from '../domain/audit.js';

interface ToolsCall {
  jsonrpc: '2.0';
  id: string | number;
  method: 'tools/call';
  params: { name: string; arguments?: Record<string, unknown> };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function asToolsCall(body: unknown): ToolsCall | null {
  if (!isPlainObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call') return null;
  if (typeof body.id !== 'string' && (typeof body.id !== 'number' || !Number.isFinite(body.id))) return null;
  const params = body.params;
  if (!isPlainObject(params) || typeof params.name !== 'string') return null;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return null;
  return body as unknown as ToolsCall;
}

/** The 2025 transport answers 406 unless the client accepts both JSON and SSE; leave that to it. */
function acceptsBoth(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('application/json') && accept.includes('text/event-stream');
}

function protocolVersionOk(request: Request): boolean {
  const version = request.headers.get('mcp-protocol-version');
  return version === null || (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

export interface FastLane {
  /** The response, or null when the SDK must answer this request. */
  answer(request: Request, body: unknown, tools: ReadonlyMap<string, PreparedTool>): Promise<Response | null>;
}

export function createFastLane(deps: ToolDeps, runner: ToolRunner, actorOf: (request: Request) => Actor): FastLane {
  return {
    async answer(request, body, tools) {
      const call = asToolsCall(body);
      if (!call || !acceptsBoth(request) || !protocolVersionOk(request)) return null;
      const tool = tools.get(call.params.name);
      if (!tool) return null;
      const args = tool.definition.inputSchema.safeParse(call.params.arguments ?? {});
      if (!args.success) return null;
      if (!(await isLegacyRequest(request, body))) return null;
      const result = await runner.run(tool.definition, args.data as Record<string, unknown>, { ...deps, actor: actorOf(request) });
      return Response.json({ result, jsonrpc: '2.0', id: call.id });
    },
  };
}

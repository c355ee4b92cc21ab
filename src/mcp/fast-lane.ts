/**
 * The fast lane for the hot call: a 2025-era `tools/call` of a known tool with valid arguments.
 *
 * Why it exists: the SDK's stateless serving builds a transport (and a server) per request; this
 * lane answers 3 to 5 times as many get_project calls per second on the 2-core bench machine
 * (see bench/ and the README's table). The lane answers only the exact case it can answer the same way
 * the SDK would, using the SDK's own public classifier; anything else (initialize, tools/list,
 * 2026-07-28 requests, unknown tools, invalid arguments, odd headers) goes to the SDK, so every
 * protocol error still comes from the SDK. A differential test compares both paths' answers.
 * It reads headers and body from the Node request directly (see incoming.ts).
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { CallToolResult, ToolRunner } from './call-tool.js';
import type { McpIncoming } from './incoming.js';
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
function acceptsBoth(incoming: McpIncoming): boolean {
  const accept = incoming.header('accept') ?? '';
  return accept.includes('application/json') && accept.includes('text/event-stream');
}

/**
 * A 2025-era request: a supported 2025 revision (or none) in MCP-Protocol-Version, and none of the
 * 2026-07-28 marks (the Mcp-Method header, the protocol version in params._meta). Anything else is
 * classified by the SDK itself.
 */
function isLegacy2025(incoming: McpIncoming, call: ToolsCall): boolean {
  const version = incoming.header('mcp-protocol-version');
  if (version !== undefined && !(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version)) return false;
  if (incoming.header('mcp-method') !== undefined || incoming.header('mcp-name') !== undefined) return false;
  const meta = (call.params as { _meta?: unknown })._meta;
  return meta === undefined || (isPlainObject(meta) && !Object.keys(meta).some((key) => key.includes('protocolVersion')));
}

/**
 * The JSON-RPC response, written as text: the tool's JSON goes in once as structured content and
 * once escaped as the text block, exactly as JSON.stringify of the whole result would write it.
 */
function responseText(outcome: { text: string } | { result: CallToolResult }, id: string | number): string {
  const body =
    'text' in outcome
      ? `{"content":[{"type":"text","text":${JSON.stringify(outcome.text)}}],"structuredContent":${outcome.text}}`
      : JSON.stringify(outcome.result);
  return `{"result":${body},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`;
}

export interface FastLane {
  /** The response, or null when the SDK must answer this request. */
  answer(incoming: McpIncoming, body: unknown, tools: ReadonlyMap<string, PreparedTool>): Promise<Response | null>;
}

export function createFastLane(deps: ToolDeps, runner: ToolRunner, actorOf: (incoming: McpIncoming) => Actor): FastLane {
  return {
    async answer(incoming, body, tools) {
      const call = asToolsCall(body);
      if (!call || !acceptsBoth(incoming) || !isLegacy2025(incoming, call)) return null;
      const tool = tools.get(call.params.name);
      if (!tool) return null;
      const args = tool.definition.inputSchema.safeParse(call.params.arguments ?? {});
      if (!args.success) return null;
      const context = { ...deps, actor: actorOf(incoming) };
      const input = args.data as Record<string, unknown>;
      // A stored document passed on as is needs no parsing, validating or serializing again here.
      const outcome = await runner.runText(tool.definition, input, context);
      return new Response(responseText(outcome, call.id), { status: 200, headers: { 'content-type': 'application/json' } });
    },
  };
}

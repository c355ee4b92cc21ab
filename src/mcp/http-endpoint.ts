/**
 * MCP over Streamable HTTP, stateless, answering in JSON. Each request is read once (bounded),
 * offered to the fast lane, and otherwise served by the SDK: 2025-era requests by a stateless
 * transport with JSON responses (the SDK's documented pattern), 2026-07-28 requests by
 * createMcpHandler. Servers are built per request from prepared tools, as the SDK documents;
 * schema conversion is shared, so that costs microseconds.
 */
import {
  createMcpHandler, isJsonContentType, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type AuthInfo,
} from '@modelcontextprotocol/server';
import type { McpIncoming } from './incoming.js';
import type { Actor } from '../domain/audit.js';
import { actorFromOrigin } from '../http/request-context.js';
import { MAX_DEPTH, nestsDeeperThan } from '../domain/patch.js';
import type { ToolRunner } from './call-tool.js';
import { createFastLane } from './fast-lane.js';
import { buildMcpServer, prepareTools, type McpHttpInfo, type PreparedTool, type ServerParts } from './sdk-server.js';
import { toolsFor } from './tools/index.js';
import type { ToolDefinition, ToolDeps } from './tool.js';

export type McpRole = 'read' | 'write';

export interface McpHttpOptions {
  tools: ToolDefinition[];
  deps: ToolDeps;
  runner: ToolRunner;
  maxBodyBytes?: number;
  /** Proxy hops whose X-Forwarded-For entries name the client (CONTENTKV_TRUST_PROXY); 0 by default: the socket's peer. */
  trustProxy?: number;
  /** Off only in tests that compare the fast lane with the SDK's answer. */
  fastLane?: boolean;
  onError?: (error: Error) => void;
}

/**
 * The SDK hands a tool handler the web Request, which has no socket and so no peer address; the
 * actor is worked out from the Node request before the SDK runs and travels in the AuthInfo, the
 * per-request value the SDK passes to every handler.
 */
function actorFromAuthInfo(http: McpHttpInfo | undefined): Actor {
  return (http?.authInfo?.extra?.actor as Actor | undefined) ?? { source: 'mcp' };
}

/**
 * The most messages one JSON-RPC batch (MCP 2025-03-26; gone since 2025-06-18) may hold. The SDK
 * allows 100, and each tools/call may scan the store (search_content), so one POST with the
 * read-only token would cost 100 scans. Clients that batch send a few messages at a time. An
 * empty batch the SDK already refuses with Invalid Request.
 */
export const MAX_BATCH_MESSAGES = 20;

/**
 * How deep a message may nest: the tool arguments' own limit (MAX_DEPTH, as for REST bodies)
 * and room for what wraps them: a batch, the message, its params and the arguments object.
 */
export const MAX_MESSAGE_DEPTH = MAX_DEPTH + 8;

function rpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });
}

export type McpHttpEndpoint = ReturnType<typeof createMcpHttpEndpoint>;

export function createMcpHttpEndpoint(options: McpHttpOptions) {
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const trustProxy = options.trustProxy ?? 0;
  const actorOf = (incoming: McpIncoming): Actor => actorFromOrigin(incoming, 'mcp', trustProxy);
  const prepared = prepareTools(options.tools);
  const readable = new Set(toolsFor('read', options.tools));
  const partsByRole: Record<McpRole, ServerParts> = {
    read: { tools: prepared.filter((tool) => readable.has(tool.definition)), deps: options.deps, runner: options.runner, actorOf: actorFromAuthInfo },
    write: { tools: prepared, deps: options.deps, runner: options.runner, actorOf: actorFromAuthInfo },
  };
  const toolMaps: Record<McpRole, Map<string, PreparedTool>> = {
    read: new Map(partsByRole.read.tools.map((tool) => [tool.definition.name, tool])),
    write: new Map(partsByRole.write.tools.map((tool) => [tool.definition.name, tool])),
  };
  const roleOf = (authInfo: AuthInfo | undefined): McpRole => (authInfo?.scopes.includes('write') ? 'write' : 'read');
  const authInfoFor = (role: McpRole, actor: Actor): AuthInfo => ({ token: '', clientId: `contentkv-${role}`, scopes: [role], extra: { actor } });
  const fastLane = createFastLane(options.deps, options.runner, actorOf);

  const modern = createMcpHandler(({ authInfo }) => buildMcpServer(partsByRole[roleOf(authInfo)]), {
    legacy: 'reject',
    // 'auto' answers in JSON unless a tool emits a notification before its result, which ours never do.
    responseMode: 'auto',
    maxRequestBodySize: maxBody,
    onerror: options.onError,
  });

  async function legacy(request: Request, authInfo: AuthInfo, parsedBody: unknown): Promise<Response> {
    const role = roleOf(authInfo);
    const server = buildMcpServer(partsByRole[role]);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      return await transport.handleRequest(request, { authInfo, parsedBody });
    } finally {
      await transport.close().catch(() => undefined);
      await server.close().catch(() => undefined);
    }
  }

  /** How many requests each path served, for tests that must know which path ran. */
  const served = { fastLane: 0, legacy: 0, modern: 0 };

  async function handle(incoming: McpIncoming, role: McpRole): Promise<Response> {
    if (incoming.method !== 'POST') {
      // Stateless: there is no session stream to open or close.
      return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }), {
        status: 405,
        headers: { Allow: 'POST', 'Content-Type': 'application/json' },
      });
    }
    if (!isJsonContentType(incoming.header('content-type'))) return rpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    const body = await incoming.readBody(maxBody);
    if (body.tooLarge) return rpcError(413, -32000, `Payload Too Large: the body must not exceed ${maxBody} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      return rpcError(400, -32700, 'Parse error: Invalid JSON');
    }
    // Checked before anything of the batch is served, so a batch over the limit runs none of it.
    if (Array.isArray(parsed) && parsed.length > MAX_BATCH_MESSAGES) {
      return rpcError(400, -32600, `Invalid Request: a JSON-RPC batch may hold at most ${MAX_BATCH_MESSAGES} messages; this one holds ${parsed.length}`);
    }
    // Deeper input reached the SDK's schemas, whose recursion overflowed the stack: a 500, and
    // the RangeError's text in the answer of the 2025 transport.
    if (nestsDeeperThan(parsed, MAX_MESSAGE_DEPTH)) {
      return rpcError(400, -32600, `Invalid Request: the message is nested more than ${MAX_MESSAGE_DEPTH} levels deep`);
    }
    if (options.fastLane !== false) {
      const fast = await fastLane.answer(incoming, parsed, toolMaps[role]);
      if (fast) {
        served.fastLane += 1;
        return fast;
      }
    }
    const request = incoming.request();
    const authInfo = authInfoFor(role, actorOf(incoming));
    if (await isLegacyRequest(request, parsed)) {
      served.legacy += 1;
      return legacy(request, authInfo, parsed);
    }
    served.modern += 1;
    return modern.fetch(request, { authInfo, parsedBody: parsed });
  }

  return { handle, served, close: () => modern.close() };
}

/**
 * Builds an MCP SDK server holding the tools a role may use: the read-only token's server has no
 * write tools at all, so it can neither list nor call them. JSON Schemas of the zod schemas are
 * computed once and shared by every server instance (the SDK would otherwise convert all 16 on
 * every tools/list).
 */
import { McpServer, type AuthInfo } from '@modelcontextprotocol/server';
import type { Actor } from '../domain/audit.js';
import type { ToolRunner } from './call-tool.js';
import type { ToolDefinition, ToolDeps } from './tool.js';
import { VERSION } from '../version.js';

export const SERVER_INFO = { name: 'contentkv', version: VERSION };

type StandardSchema = { '~standard': { jsonSchema: { input(options?: unknown): unknown; output(options?: unknown): unknown } } & Record<string, unknown> };

/** Wraps a schema so its JSON Schema conversions are computed once; validation is untouched. */
function memoJsonSchema<T>(schema: T): T {
  const standard = (schema as StandardSchema)['~standard'];
  const cache = new Map<string, unknown>();
  const memo = (io: 'input' | 'output') => (options?: unknown) => {
    const key = `${io}:${JSON.stringify(options ?? {})}`;
    if (!cache.has(key)) cache.set(key, Object.freeze(standard.jsonSchema[io](options)));
    return cache.get(key);
  };
  return { '~standard': { ...standard, jsonSchema: { input: memo('input'), output: memo('output') } } } as T;
}

export interface PreparedTool {
  definition: ToolDefinition;
  inputSchema: unknown;
  outputSchema: unknown;
}

export function prepareTools(tools: ToolDefinition[]): PreparedTool[] {
  return tools.map((definition) => ({ definition, inputSchema: memoJsonSchema(definition.inputSchema), outputSchema: memoJsonSchema(definition.outputSchema) }));
}

/** What the SDK tells a tool handler of the HTTP request it serves (nothing, over stdio). */
export interface McpHttpInfo {
  req?: Request;
  authInfo?: AuthInfo;
}

export interface ServerParts {
  tools: PreparedTool[];
  deps: ToolDeps;
  runner: ToolRunner;
  /** Who is calling, from the HTTP request (or fixed, over stdio). */
  actorOf(http: McpHttpInfo | undefined): Actor;
}

export function buildMcpServer(parts: ServerParts, options: ConstructorParameters<typeof McpServer>[1] = {}): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions:
      'contentkv holds the projects and resources of a portfolio site. Read with list_*, get_* and search_content; ' +
      'change with create_*, update_* (pass expectedVersion from your last read) and delete_* (confirm: true). ' +
      'Every change is audited and can be undone with get_history and restore_version.',
    ...options,
  });
  for (const { definition, inputSchema, outputSchema } of parts.tools) {
    server.registerTool(
      definition.name,
      { title: definition.title, description: definition.description, annotations: definition.annotations, inputSchema: inputSchema as never, outputSchema: outputSchema as never },
      (async (args: Record<string, unknown>, ctx: { http?: McpHttpInfo }) =>
        parts.runner.run(definition, args, { ...parts.deps, actor: parts.actorOf(ctx.http) })) as never,
    );
  }
  return server;
}

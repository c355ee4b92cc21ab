/**
 * The in-process app of app-fixture.ts with the MCP endpoint wired in as `contentkv serve` wires
 * it (same service and store), plus what the auth-matrix and fuzz tests need around it: a
 * snapshot of everything stored, and JSON-RPC requests to /mcp.
 */
import { createToolRunner } from '../../src/mcp/call-tool.js';
import { createMcpHttpEndpoint } from '../../src/mcp/http-endpoint.js';
import { allTools } from '../../src/mcp/tools/index.js';
import { COLLECTIONS } from '../../src/domain/collections.js';
import type { ContentStore, ManifestEntry } from '../../src/store/port.js';
import { makeApp } from './app-fixture.js';

type AppFixture = Awaited<ReturnType<typeof makeApp>>;
export type McpAppFixture = AppFixture & { close(): Promise<void> };

/** makeApp() plus /mcp and /api/mcp, served by the real endpoint over the fixture's own service. */
export async function makeMcpApp(): Promise<McpAppFixture> {
  const holder: { endpoint?: ReturnType<typeof createMcpHttpEndpoint> } = {};
  const fixture = await makeApp({
    mcp: (request, role) => {
      if (!holder.endpoint) throw new Error('the MCP endpoint is not ready');
      return holder.endpoint.handle(request, role);
    },
  });
  const endpoint = createMcpHttpEndpoint({
    tools: allTools(),
    deps: { service: fixture.service, migration: { status: async () => ({ store: 'json' }) } },
    runner: createToolRunner({}),
  });
  holder.endpoint = endpoint;
  return {
    ...fixture,
    async close() {
      await endpoint.close();
      fixture.cleanup();
    },
  };
}

/** Everything a write could change: each document's id, version and checksum, and the audit count. */
export interface StoreSnapshot {
  projects: ManifestEntry[];
  resources: ManifestEntry[];
  auditTotal: number;
}

export async function snapshotStore(store: ContentStore): Promise<StoreSnapshot> {
  const snapshot: StoreSnapshot = { projects: [], resources: [], auditTotal: (await store.auditStats()).total };
  for (const collection of COLLECTIONS) {
    let cursor: string | null = null;
    do {
      const page: { entries: ManifestEntry[]; cursor: string | null } = await store.manifest(collection, cursor, 500);
      snapshot[collection].push(...page.entries);
      cursor = page.cursor;
    } while (cursor !== null);
    snapshot[collection].sort((a, b) => a.id.localeCompare(b.id));
  }
  return snapshot;
}

/** The headers a 2025-era Streamable HTTP client sends. */
export const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } as const;

export function toolCall(id: number | string, name: string, args: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

export function mcpRequest(body: unknown, headers: Record<string, string> = {}, path = '/mcp'): [string, RequestInit] {
  return [path, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }];
}

/** Real MCP SDK clients (v2 and v1) over real HTTP, as assistants connect to contentkv. */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface McpClient {
  listTools(): Promise<{ tools: { name: string; description?: string; annotations?: Record<string, unknown>; outputSchema?: unknown; inputSchema?: unknown }[] }>;
  callTool(request: { name: string; arguments: Record<string, unknown> }): Promise<{ isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown }>;
  close(): Promise<void>;
}

export type ClientKind = 'v2 (2025 handshake)' | 'v2 (2026-07-28)' | 'v1';
export const CLIENT_KINDS: ClientKind[] = ['v2 (2025 handshake)', 'v2 (2026-07-28)', 'v1'];

/** headers: sent with every request besides the token's, e.g. a forged X-Forwarded-For. */
export async function connectClient(kind: ClientKind, url: string, token: string | null, headers: Record<string, string> = {}): Promise<McpClient> {
  const requestInit = { headers: { ...headers, ...(token !== null && { Authorization: `Bearer ${token}` }) } };
  const endpoint = new URL('/mcp', url);
  if (kind === 'v1') {
    const client = new ClientV1({ name: 'test-v1', version: '1.0.0' });
    await client.connect(new TransportV1(endpoint, { requestInit }));
    return client as unknown as McpClient;
  }
  const client = new ClientV2(
    { name: 'test-v2', version: '1.0.0' },
    kind === 'v2 (2026-07-28)' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : undefined,
  );
  await client.connect(new TransportV2(endpoint, { requestInit }));
  return client as unknown as McpClient;
}

/** The text a tool answered with (errors are plain text; successes JSON). */
export function textOf(result: { content?: unknown }): string {
  return ((result.content as { type: string; text: string }[] | undefined) ?? []).map((block) => block.text).join('\n');
}

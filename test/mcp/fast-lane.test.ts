/**
 * The fast lane must answer exactly as the SDK would. The same requests go to an endpoint with
 * the lane and one without it (pure SDK), each over an identical store with the same clock and
 * ids, and the responses must be byte-identical.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createToolRunner } from '../../src/mcp/call-tool.js';
import { createMcpHttpEndpoint } from '../../src/mcp/http-endpoint.js';
import { fromWebRequest } from '../../src/mcp/incoming.js';
import { allTools } from '../../src/mcp/tools/index.js';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { steppingClock } from '../fixtures/inputs.js';
import { projectInput } from '../fixtures/inputs.js';
import { sampleDataDir } from '../http/app-fixture.js';

type Endpoint = ReturnType<typeof createMcpHttpEndpoint>;
let dirs: ReturnType<typeof sampleDataDir>[] = [];

async function endpoint(fastLane: boolean): Promise<Endpoint> {
  const data = sampleDataDir();
  dirs.push(data);
  const store = new JsonStore({ dir: data.dir });
  await store.open();
  let counter = 0;
  const service = new ContentService({ store, now: steppingClock(), newId: () => `id-${String((counter += 1)).padStart(8, '0')}` });
  return createMcpHttpEndpoint({
    tools: allTools(),
    deps: { service, migration: { status: async () => ({ store: 'json' }) } },
    runner: createToolRunner({}),
    fastLane,
  });
}

function request(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-11-25', ...headers },
    body: JSON.stringify(body),
  });
}

const call = (id: number | string, name: string, args: unknown) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

let fast: Endpoint;
let sdk: Endpoint;
beforeEach(async () => {
  fast = await endpoint(true);
  sdk = await endpoint(false);
});
afterEach(async () => {
  await fast.close();
  await sdk.close();
  for (const data of dirs) data.cleanup();
  dirs = [];
});

async function both(body: unknown, role: 'read' | 'write' = 'write', headers: Record<string, string> = {}) {
  const [a, b] = [await fast.handle(fromWebRequest(request(body, headers)), role), await sdk.handle(fromWebRequest(request(body, headers)), role)];
  return { fast: { status: a.status, type: a.headers.get('content-type'), body: await a.text() }, sdk: { status: b.status, type: b.headers.get('content-type'), body: await b.text() } };
}

describe('the fast lane answers as the SDK does', () => {
  const cases: [string, unknown][] = [
    ['a successful read', call(1, 'get_project', { id: 'law-firm-rag-knowledge-base' })],
    ['a list page', call('a-string-id', 'list_projects', { limit: 2, status: 'published' })],
    ['a tool error', call(3, 'get_project', { id: 'missing' })],
    ['a conflict', call(4, 'update_project', { id: 'law-firm-rag-knowledge-base', expectedVersion: 9, changes: { title: 'x' } })],
    ['a create', call(5, 'create_project', { project: projectInput({ id: 'differential' }) })],
    ['an update', call(6, 'update_project', { id: 'law-firm-rag-knowledge-base', expectedVersion: 1, changes: { title: 'Updated' } })],
    ['a delete dry run', call(7, 'delete_project', { id: 'law-firm-rag-knowledge-base', expectedVersion: 1 })],
    ['search', call(8, 'search_content', { query: 'clinic' })],
    ['audit stats', call(9, 'get_audit_stats', {})],
    ['invalid arguments (handed to the SDK)', call(10, 'get_project', { id: 42 })],
    ['an unknown tool (handed to the SDK)', call(11, 'no_such_tool', {})],
  ];
  it.each(cases)('%s', async (name, body) => {
    const { fast: a, sdk: b } = await both(body);
    expect(a).toEqual(b);
    expect(a.status).toBe(200);
    expect(sdk.served.fastLane).toBe(0);
    expect(fast.served.fastLane).toBe(name.includes('handed to the SDK') ? 0 : 1);
  });

  it('hides write tools from the read role in both', async () => {
    const { fast: a, sdk: b } = await both(call(1, 'update_project', { id: 'x', expectedVersion: 1, changes: {} }), 'read');
    expect(a).toEqual(b);
    expect(JSON.parse(a.body).error.code).toBe(-32602);
  });

  it('leaves a 2026-07-28 request to the SDK', async () => {
    const modern = {
      ...call(12, 'get_project', { id: 'law-firm-rag-knowledge-base' }),
      params: {
        name: 'get_project',
        arguments: { id: 'law-firm-rag-knowledge-base' },
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} },
      },
    };
    const headers = { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'get_project' };
    const { fast: a, sdk: b } = await both(modern, 'write', headers);
    expect(fast.served.fastLane).toBe(0);
    expect(a.status).toBe(b.status);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).result.structuredContent.project.id).toBe('law-firm-rag-knowledge-base');
    expect(JSON.parse(a.body).result.structuredContent).toEqual(JSON.parse(b.body).result.structuredContent);
  });

  it('leaves requests it does not own to the SDK: missing Accept, an unsupported version', async () => {
    const withoutSse = await both(call(1, 'get_project', { id: 'law-firm-rag-knowledge-base' }), 'write', { Accept: 'application/json' });
    expect(withoutSse.fast).toEqual(withoutSse.sdk);
    expect(withoutSse.fast.status).toBe(406);
    const badVersion = await both(call(1, 'get_project', { id: 'law-firm-rag-knowledge-base' }), 'write', { 'MCP-Protocol-Version': '1999-01-01' });
    expect(badVersion.fast).toEqual(badVersion.sdk);
    expect(badVersion.fast.status).toBe(400);
  });
});

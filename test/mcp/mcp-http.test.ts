/**
 * Every MCP tool through the official SDK clients (v2 over both protocol eras, and v1) over real
 * HTTP against a `contentkv serve` process on a copy of the sample content.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectInput, resourceInput } from '../fixtures/inputs.js';
import { READ_TOKEN, WRITE_TOKEN } from '../http/app-fixture.js';
import { MCP_HEADERS, toolCall } from '../http/auth-mcp-fixture.js';
import { MAX_BATCH_MESSAGES, MAX_MESSAGE_DEPTH } from '../../src/mcp/http-endpoint.js';
import { serveSampleForFile } from '../support/serve-process.js';
import { CLIENT_KINDS, connectClient, textOf, type McpClient } from './clients.js';

const READ_TOOLS = ['get_audit_log', 'get_audit_stats', 'get_history', 'get_migration_status', 'get_project', 'get_resource', 'list_projects', 'list_resources', 'search_content'];
const WRITE_TOOLS = ['create_project', 'create_resource', 'delete_project', 'delete_resource', 'restore_version', 'update_project', 'update_resource'];
const ORIGINAL_EIGHT = ['list_projects', 'get_project', 'update_project', 'list_resources', 'get_resource', 'update_resource', 'get_audit_log', 'get_audit_stats'];

const sample = serveSampleForFile();

describe.each(CLIENT_KINDS)('MCP over HTTP with the %s client', (kind) => {
  let client: McpClient;
  const suffix = kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase().replace(/^-|-$/g, '');
  beforeAll(async () => {
    client = await connectClient(kind, sample().url, WRITE_TOKEN);
  });
  afterAll(() => client.close());

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
    expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
    return result.structuredContent as Record<string, any>;
  };

  it('lists all 16 tools, the original 8 among them, each with a description, output schema and precise annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort());
    for (const name of ORIGINAL_EIGHT) expect(tools.map((tool) => tool.name)).toContain(name);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(READ_TOOLS.includes(tool.name));
    }
    const destructive = tools.filter((tool) => tool.annotations?.destructiveHint).map((tool) => tool.name).sort();
    expect(destructive).toEqual(['delete_project', 'delete_resource', 'restore_version', 'update_project', 'update_resource']);
  });

  it('reads with list, get and search, paging lists with a cursor', async () => {
    const first = await call('list_projects', { limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.items[0]).toHaveProperty('version');
    expect(first.items[0]).not.toHaveProperty('challenge');
    const second = await call('list_projects', { limit: 3, cursor: first.nextCursor });
    const seen = new Set(first.items.map((item: { id: string }) => item.id));
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items.filter((item: { id: string }) => seen.has(item.id))).toEqual([]);
    const full = await call('list_resources', { limit: 2, detail: 'full', status: 'published' });
    expect(full.items[0]).toHaveProperty('longDescription');
    const one = await call('get_project', { id: first.items[0].id });
    expect(one.project.id).toBe(first.items[0].id);
    const resource = await call('get_resource', { id: full.items[0].id });
    expect(resource.resource.id).toBe(full.items[0].id);
    const found = await call('search_content', { query: 'invoice' });
    expect(found.results.length).toBeGreaterThan(0);
    expect(found.results[0]).toMatchObject({ collection: expect.any(String), snippet: expect.stringMatching(/invoice/i) });
  });

  // A cursor is opaque to the caller but decoded here: one naming a collection out of range used
  // to send the scan through millions of empty pages, with the read-only token alone.
  it('refuses a search cursor that points outside the searched collections', async () => {
    for (const collection of [-60_000, 2, 1.5]) {
      const cursor = Buffer.from(JSON.stringify({ collection, cursor: null }), 'utf8').toString('base64url');
      const result = await client.callTool({ name: 'search_content', arguments: { query: 'invoice', cursor } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/VALIDATION_FAILED: the search cursor is not valid/);
    }
  });

  it('creates, updates with expectedVersion, shows history, restores, and deletes only when confirmed', async () => {
    const id = `mcp-${suffix}`;
    const created = await call('create_project', { project: projectInput({ id, title: 'Made by an assistant' }) });
    expect(created.project.metadata).toMatchObject({ version: 1, status: 'draft' });

    const updated = await call('update_project', { id, expectedVersion: 1, changes: { title: 'Edited by an assistant', metadata: { status: 'published' } } });
    expect(updated.project.metadata).toMatchObject({ version: 2, status: 'published' });

    const conflict = await client.callTool({ name: 'update_project', arguments: { id, expectedVersion: 1, changes: { title: 'Stale' } } });
    expect(conflict.isError).toBe(true);
    expect(textOf(conflict)).toMatch(/VERSION_CONFLICT.*version 2.*expectedVersion 2/s);

    const history = await call('get_history', { collection: 'projects', id });
    expect(history.versions[0]).toMatchObject({ version: 1, replacedBy: { version: 2, source: 'mcp', action: 'update' } });
    expect(history.versions[0].replacedBy.changes).toContainEqual({ field: 'title', oldValue: 'Made by an assistant', newValue: 'Edited by an assistant' });

    const restored = await call('restore_version', { collection: 'projects', id, version: 1 });
    expect(restored.document).toMatchObject({ title: 'Made by an assistant', metadata: { version: 3 } });

    // A dry run with a stale version says so, as the confirmed delete would, rather than preview a delete that will fail.
    const staleDryRun = await client.callTool({ name: 'delete_project', arguments: { id, expectedVersion: 2 } });
    expect(staleDryRun.isError).toBe(true);
    expect(textOf(staleDryRun)).toMatch(/VERSION_CONFLICT.*version 3.*expectedVersion 3/s);
    const dryRun = await call('delete_project', { id, expectedVersion: 3 });
    expect(dryRun).toMatchObject({ deleted: false, preview: expect.stringContaining('confirm: true') });
    expect((await call('get_project', { id })).project.id).toBe(id);
    expect(await call('delete_project', { id, expectedVersion: 3, confirm: true })).toEqual({ id, deleted: true, version: 4 });
    const gone = await client.callTool({ name: 'get_project', arguments: { id } });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toMatch(/NOT_FOUND/);
  });

  it('does the same for resources', async () => {
    const id = `mcp-res-${suffix}`;
    await call('create_resource', { resource: resourceInput({ id }) });
    const updated = await call('update_resource', { id, expectedVersion: 1, changes: { price: 0 } });
    expect(updated.resource.price).toBe(0);
    expect(await call('delete_resource', { id, expectedVersion: 2, confirm: true })).toMatchObject({ deleted: true });
  });

  it('applies a retried delete or restore with the same idempotencyKey once', async () => {
    const id = `mcp-retry-${suffix}`;
    await call('create_project', { project: projectInput({ id }) });
    const remove = { id, expectedVersion: 1, confirm: true, idempotencyKey: `delete-${suffix}` };
    expect(await call('delete_project', remove)).toEqual({ id, deleted: true, version: 2 });
    expect(await call('delete_project', remove)).toEqual({ id, deleted: true, version: 2 });
    const restore = { collection: 'projects', id, version: 1, idempotencyKey: `restore-${suffix}` };
    expect((await call('restore_version', restore)).document.metadata.version).toBe(3);
    expect((await call('restore_version', restore)).document.metadata.version).toBe(3);
    expect((await call('get_history', { collection: 'projects', id })).versions).toHaveLength(1);
  });

  it('refuses an idempotencyKey reused for another document, saying to use a fresh one', async () => {
    const idempotencyKey = `reused-${suffix}`;
    await call('create_project', { project: projectInput({ id: `mcp-first-${suffix}` }), idempotencyKey });
    const reused = await client.callTool({ name: 'create_project', arguments: { project: projectInput({ id: `mcp-second-${suffix}` }), idempotencyKey } });
    expect(reused.isError).toBe(true);
    expect(textOf(reused)).toMatch(new RegExp(`^VALIDATION_FAILED: this idempotency key was already used for a write to projects/mcp-first-${suffix}.*fresh key for each write$`));
    expect((await client.callTool({ name: 'get_project', arguments: { id: `mcp-second-${suffix}` } })).isError).toBe(true);
  });

  it('reports audit entries with their diff, audit stats and migration status', async () => {
    const log = await call('get_audit_log', { source: 'mcp', limit: 5 });
    expect(log.entries.length).toBeGreaterThan(0);
    expect(log.entries.every((entry: { source: string }) => entry.source === 'mcp')).toBe(true);
    const stats = await call('get_audit_stats', {});
    expect(stats.total).toBeGreaterThan(0);
    expect(stats.bySource.mcp).toBeGreaterThan(0);
    const status = await call('get_migration_status', {});
    expect(status.store).toBe('json');
  });

  it('answers bad arguments with an error result that says what to fix', async () => {
    const invalid = await client.callTool({ name: 'update_project', arguments: { id: 'Not A Slug', expectedVersion: 1, changes: {} } });
    expect(invalid.isError).toBe(true);
    const badChange = await client.callTool({ name: 'update_project', arguments: { id: 'law-firm-rag-knowledge-base', expectedVersion: 1, changes: { title: '' } } });
    expect(badChange.isError).toBe(true);
    expect(textOf(badChange)).toMatch(/title/);
  });
});

describe('MCP access control', () => {
  it('shows the read-only token only the read tools, and refuses write calls', async () => {
    for (const kind of CLIENT_KINDS) {
      const client = await connectClient(kind, sample().url, READ_TOKEN);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort(), kind).toEqual(READ_TOOLS);
      const attempt = client.callTool({ name: 'update_project', arguments: { id: 'x', expectedVersion: 1, changes: {} } });
      await expect(attempt, kind).rejects.toThrow(/not found/i);
      await client.close();
    }
  });

  it('refuses a connection without a token or with a wrong one', async () => {
    for (const kind of CLIENT_KINDS) {
      await expect(connectClient(kind, sample().url, null), kind).rejects.toThrow();
      await expect(connectClient(kind, sample().url, 'not-the-right-token-at-all'), kind).rejects.toThrow();
    }
    const raw = await fetch(`${sample().url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(raw.status).toBe(401);
  });

  it('refuses a request from a foreign Origin (DNS rebinding)', async () => {
    const response = await fetch(`${sample().url}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, Origin: 'https://evil.example', 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(response.status).toBe(403);
  });
});

// JSON-RPC batches (MCP 2025-03-26) let one POST carry many tool calls, each of which may scan the
// store: the endpoint caps them before any message is served.
describe('MCP batches', () => {
  const post = (token: string, body: unknown) =>
    fetch(`${sample().url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const rest = async (path: string) => ((await (await fetch(`${sample().url}${path}`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } })).json()) as { data: Record<string, any> }).data;

  it(`serves a batch of ${MAX_BATCH_MESSAGES} calls with the read-only token`, async () => {
    const batch = Array.from({ length: MAX_BATCH_MESSAGES }, (_, i) => toolCall(i + 1, 'search_content', { query: 'invoice' }));
    const response = await post(READ_TOKEN, batch);
    expect(response.status).toBe(200);
    const answers = (await response.json()) as { id: number; result?: { isError?: boolean } }[];
    expect(answers.map((answer) => answer.id).sort((a, b) => a - b)).toEqual(batch.map((call) => call.id));
    expect(answers.every((answer) => answer.result !== undefined && answer.result.isError !== true)).toBe(true);
  });

  it('refuses a batch of one more with Invalid Request naming the limit, and runs none of it', async () => {
    const id = 'law-firm-rag-knowledge-base';
    const before = await rest(`/api/projects/${id}`);
    const auditBefore = (await rest('/api/audit/stats')).total;
    const batch = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) =>
      toolCall(i + 1, 'update_project', { id, expectedVersion: before.metadata.version, changes: { title: `Batched ${i}` } }));
    const response = await post(WRITE_TOKEN, batch);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32600, message: `Invalid Request: a JSON-RPC batch may hold at most ${MAX_BATCH_MESSAGES} messages; this one holds ${MAX_BATCH_MESSAGES + 1}` },
      id: null,
    });
    const after = await rest(`/api/projects/${id}`);
    expect(after).toMatchObject({ title: before.title, metadata: { version: before.metadata.version } });
    expect((await rest('/api/audit/stats')).total).toBe(auditBefore);
  });

  it('refuses an empty batch with Invalid Request', async () => {
    const response = await post(READ_TOKEN, []);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600, message: expect.stringMatching(/empty/i) }, id: null });
  });
});

// A message nested tens of thousands of levels deep overflowed the stack in the SDK's schemas: the
// 2025 transport answered with the RangeError's text, the 2026-07-28 one with a 500 and an error log.
describe('MCP nesting', () => {
  // As text: JSON.stringify would overflow this process's stack first.
  const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const send = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${sample().url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, Authorization: `Bearer ${READ_TOKEN}`, ...headers }, body });
  const refusal = { jsonrpc: '2.0', error: { code: -32600, message: `Invalid Request: the message is nested more than ${MAX_MESSAGE_DEPTH} levels deep` }, id: null };

  it('refuses a deep initialize (2025 handshake) with Invalid Request, no internal text', async () => {
    const response = await send(
      `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"experimental":${nested(100_000)}},"clientInfo":{"name":"deep","version":"0"}}}`,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(refusal);
  });

  it('refuses a deep 2026-07-28 request with Invalid Request, not a 500', async () => {
    const meta =
      '{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"deep","version":"1"},' +
      `"io.modelcontextprotocol/clientCapabilities":{"experimental":${nested(100_000)}}}`;
    const response = await send(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${meta}}}`, { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(refusal);
  });

  it('serves a message nested exactly to the limit and refuses one level more', async () => {
    // The message, its params and the arguments are three levels; search_content ignores `deep`.
    const call = (levels: number) => JSON.stringify(toolCall(1, 'search_content', { query: 'invoice', deep: JSON.parse(nested(levels)) }));
    const atLimit = await send(call(MAX_MESSAGE_DEPTH - 3));
    expect(atLimit.status).toBe(200);
    expect(((await atLimit.json()) as { result?: { isError?: boolean } }).result).toMatchObject({ content: expect.any(Array) });
    const over = await send(call(MAX_MESSAGE_DEPTH - 2));
    expect(over.status).toBe(400);
    expect(await over.json()).toEqual(refusal);
  });
});

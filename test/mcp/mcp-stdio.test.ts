/** The same tools over stdio (`contentkv mcp`), as Claude Desktop and Cursor start them. */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDataDir } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { projectInput } from '../fixtures/inputs.js';
import { textOf, type McpClient } from './clients.js';

let data: ReturnType<typeof sampleDataDir>;
beforeAll(() => {
  data = sampleDataDir();
});
afterAll(() => data.cleanup());

function params(args: string[] = [], env: Record<string, string> = {}) {
  return {
    command: process.execPath,
    args: ['bin/contentkv.js', 'mcp', ...args],
    env: { PATH: process.env.PATH ?? '', CONTENTKV_DATA_DIR: data.dir, LOG_LEVEL: 'warn', ...env },
    stderr: 'pipe' as const,
  };
}

describe('MCP over stdio', () => {
  it.each([
    ['v2', () => new Client({ name: 'stdio-v2', version: '1' }), () => new StdioClientTransport(params())],
    ['v1', () => new ClientV1({ name: 'stdio-v1', version: '1' }), () => new StdioV1(params())],
  ] as const)('serves all 16 tools to a %s client, reads and writes', async (kind, makeClient, makeTransport) => {
    const client = makeClient();
    await client.connect(makeTransport() as never);
    const mcp = client as unknown as McpClient;
    expect((await mcp.listTools()).tools).toHaveLength(16);
    const created = await mcp.callTool({ name: 'create_project', arguments: { project: projectInput({ id: `stdio-${kind}` }) } });
    expect(created.isError).toBeFalsy();
    const read = await mcp.callTool({ name: 'get_project', arguments: { id: `stdio-${kind}` } });
    expect(JSON.parse(textOf(read)).project.id).toBe(`stdio-${kind}`);
    const audit = await mcp.callTool({ name: 'get_audit_log', arguments: { entityId: `stdio-${kind}` } });
    expect((audit.structuredContent as { entries: { source: string; metadata: { clientId: string } }[] }).entries[0]).toMatchObject({ source: 'mcp', metadata: { clientId: 'stdio' } });
    await client.close();
  });

  it('offers only the read tools with --read-only', async () => {
    const client = new Client({ name: 'stdio-ro', version: '1' });
    await client.connect(new StdioClientTransport(params(['--read-only'])));
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(9);
    expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
    await client.close();
  });

  it.each(['1', 'true', 'YES'])('offers only the read tools with CONTENTKV_READ_ONLY=%s', async (value) => {
    const client = new Client({ name: 'stdio-ro-env', version: '1' });
    await client.connect(new StdioClientTransport(params([], { CONTENTKV_READ_ONLY: value })));
    expect((await client.listTools()).tools).toHaveLength(9);
    await client.close();
  });

  it('refuses to start with a CONTENTKV_READ_ONLY it cannot read, rather than offer the write tools', async () => {
    const result = await runCli(['mcp'], { CONTENTKV_DATA_DIR: data.dir, CONTENTKV_READ_ONLY: 'readonly' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/CONTENTKV_READ_ONLY must be 1, true, yes or on/);
  });
});

// `printf '...' | contentkv mcp`: stdin ends right after the last request. The process used to
// close the stores and exit on that end, dropping the answers still being worked out.
describe('MCP over stdio, stdin closed with requests under way', () => {
  /** Pipes the messages into `contentkv mcp`, closes stdin, and collects what it wrote until it exited. */
  async function pipeThrough(messages: object[]): Promise<{ code: number | null; answers: { id?: number; result?: { isError?: boolean } }[]; stderr: string }> {
    const { spawn } = await import('node:child_process');
    const p = params();
    const child = spawn(p.command, p.args, { env: p.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end(messages.map((message) => JSON.stringify(message)).join('\n') + '\n');
    const code = await exited;
    const answers = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id?: number; result?: { isError?: boolean } });
    return { code, answers, stderr };
  }
  const initialize = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  ];

  it('answers every request it read before exiting', async () => {
    const messages = [
      ...initialize,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_projects', arguments: {} } },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'search_content', arguments: { query: 'invoice' } } },
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'create_project', arguments: { project: projectInput({ id: 'stdio-piped' }) } } },
    ];
    const { code, answers } = await pipeThrough(messages);
    expect(code).toBe(0);
    expect(answers.map((answer) => answer.id).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(answers.filter((answer) => answer.id !== undefined && answer.id >= 3).every((answer) => answer.result?.isError !== true)).toBe(true);
  });

  it('does not wait for a request the client cancelled, which gets no answer', async () => {
    // Without the cancel counted, it waited out its 30 s grace and then warned of an unanswered request.
    const { code, answers, stderr } = await pipeThrough([
      ...initialize,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_content', arguments: { query: 'invoice' } } },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'the user gave up' } },
    ]);
    expect(code).toBe(0);
    expect(answers.map((answer) => answer.id)).toEqual([1]);
    expect(stderr).not.toMatch(/unanswered/);
  });
});

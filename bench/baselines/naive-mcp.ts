/**
 * Baseline "naive MCP": the SDK's documented stateless pattern (the @modelcontextprotocol/hono
 * README), a new McpServer and a new WebStandardStreamableHTTPServerTransport with
 * `sessionIdGenerator: undefined` for every request, on Hono and @hono/node-server. Plain Hono
 * stands in for createMcpHonoApp, which only pre-parses the body; the transport parses it here.
 *
 * The tool is our own get_project (same definition, same runner, same ContentService and
 * RedisStore over TCP, same Redis and key prefix), so the two servers differ only in how the MCP
 * request is served. It registers that one tool, not our sixteen, which if anything flatters it.
 *
 * Run as compiled JavaScript, with ../../src/ imports pointed at dist/; PORT, REDIS_URL and
 * CONTENTKV_KEY_PREFIX come from the environment.
 */
import { serve } from '@hono/node-server';
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { createToolRunner } from '../../src/mcp/call-tool.js';
import type { ToolContext } from '../../src/mcp/tool.js';
import { contentTools } from '../../src/mcp/tools/content-tools.js';
import { ContentService } from '../../src/service/content-service.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';

const store = new RedisStore({ driver: new TcpDriver({ url: process.env.REDIS_URL }), keyPrefix: process.env.CONTENTKV_KEY_PREFIX });
await store.open();

const getProject = contentTools('projects').find((tool) => tool.name === 'get_project');
if (!getProject) throw new Error('get_project is not among the content tools');
const tool = getProject;
const runner = createToolRunner({});
const context: ToolContext = {
  service: new ContentService({ store }),
  migration: { status: async () => ({ store: store.kind }) },
  actor: { source: 'mcp' },
};

const app = new Hono();

app.get('/api/health', (c) => c.json({ status: 'ok' }));
app.all('/mcp', async (c) => {
  const server = new McpServer({ name: 'naive-contentkv', version: '1.0.0' });
  server.registerTool(
    tool.name,
    { title: tool.title, description: tool.description, annotations: tool.annotations, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema },
    async (args: Record<string, unknown>) => runner.run(tool, args, context),
  );
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  return transport.handleRequest(c.req.raw);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' });
// Exit cleanly on SIGTERM, as our server does, so `--profile` gets the baseline's CPU profile too.
process.once('SIGTERM', () => process.exit(0));

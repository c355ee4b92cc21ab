/**
 * `contentkv mcp`: the same tools over stdio, for Claude Desktop and Cursor. The client runs
 * this process itself, so it is trusted like the read-write token unless --read-only is given.
 * Logs go to stderr: stdout carries the protocol.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createToolRunner } from '../../mcp/call-tool.js';
import { allTools, toolsFor } from '../../mcp/tools/index.js';
import { createLogger } from '../../observability/logger.js';
import { createRuntime } from '../../runtime/runtime.js';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('serve the MCP tools over stdio (for Claude Desktop, Cursor and other local clients)')
    .option('--read-only', 'offer only the read tools')
    .action(async (options: { readOnly?: boolean }) => {
      // The MCP SDK is loaded here, not at the top: every other command would pay for it otherwise.
      const [{ serveStdio }, { drainingStdio }, { buildMcpServer, prepareTools }] = await Promise.all([
        import('@modelcontextprotocol/server/stdio'),
        import('../../mcp/stdio-drain.js'),
        import('../../mcp/sdk-server.js'),
      ]);
      const config = loadConfig(process.env);
      const logger = createLogger(config.logLevel, 'stderr');
      const runtime = await createRuntime({ config, logger, writeToken: config.token ?? 'stdio-has-no-http-token' });
      const role = options.readOnly || config.readOnly ? 'read' : 'write';
      const parts = {
        tools: prepareTools(toolsFor(role, allTools())),
        deps: runtime.toolDeps,
        runner: createToolRunner({ metrics: runtime.metrics, onUnexpected: (error, tool) => logger.error({ err: error, tool }, 'MCP tool failed') }),
        actorOf: () => ({ source: 'mcp' as const, clientId: 'stdio' }),
      };
      const stdio = drainingStdio();
      serveStdio(() => buildMcpServer(parts), { transport: stdio.transport, onerror: (error: Error) => logger.warn({ err: error }, 'stdio MCP error') });
      stdio.watch();
      logger.info({ role, store: runtime.stores.mode }, 'contentkv MCP server on stdio');
      const stop = async () => {
        await runtime.close();
        process.exit(0);
      };
      // The client closed stdin: answer what was already asked, then go.
      void stdio.finished.then(({ unanswered }) => {
        if (unanswered > 0) logger.warn({ unanswered }, 'stdin ended; exiting with requests still unanswered');
        return stop();
      });
      process.once('SIGTERM', () => void stop());
    });
}

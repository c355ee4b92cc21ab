/**
 * `contentkv mcp`: the same tools over stdio, for Claude Desktop and Cursor. The client runs
 * this process itself, so it is trusted like the read-write token unless --read-only is given.
 * Logs go to stderr: stdout carries the protocol.
 */
import type { Command } from 'commander';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('serve the MCP tools over stdio (for Claude Desktop, Cursor and other local clients)')
    .option('--read-only', 'offer only the read tools')
    .action(async (options: { readOnly?: boolean }) => {
      // Loaded here, not at the top: every other command would pay for the MCP SDK otherwise.
      const [{ serveStdio }, { drainingStdio }, { loadConfig }, { createToolRunner }, { buildMcpServer, prepareTools }, { allTools, toolsFor }, { createLogger }, { createRuntime }] = await Promise.all([
        import('@modelcontextprotocol/server/stdio'),
        import('../../mcp/stdio-drain.js'),
        import('../../config/config.js'),
        import('../../mcp/call-tool.js'),
        import('../../mcp/sdk-server.js'),
        import('../../mcp/tools/index.js'),
        import('../../observability/logger.js'),
        import('../../runtime/runtime.js'),
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

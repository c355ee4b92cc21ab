/**
 * `contentkv serve`: the HTTP server (what `npm start` runs). Without CONTENTKV_TOKEN it makes
 * up a read-write token, prints it once, and accepts only that one, so a fresh server is never
 * open for writing.
 */
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { describeConnection } from '../../config/redis-env.js';
import { createLogger } from '../../observability/logger.js';
import { createRuntime } from '../../runtime/runtime.js';
import { EXIT } from '../exit-codes.js';

/** Checked here, so a bad --port is named as the flag rather than as PORT. */
function portArgument(value: string): string {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('a whole number from 0 to 65535');
  return value;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the REST API, MCP (/mcp) and the dashboard over HTTP on $PORT (default 3000)')
    .option('-p, --port <port>', 'port to listen on (overrides PORT)', portArgument)
    .option('--host <host>', 'address to bind (overrides HOST; default 127.0.0.1)')
    .action(async (options: { port?: string; host?: string }) => {
      const config = loadConfig({ ...process.env, ...(options.port && { PORT: options.port }), ...(options.host && { HOST: options.host }) });
      const logger = createLogger(config.logLevel);
      const writeToken = config.token ?? randomBytes(24).toString('hex');
      const runtime = await createRuntime({ config, logger, writeToken });
      const server = serve({ fetch: runtime.app.fetch, port: config.port, hostname: config.host }, (info) => {
        // Shown once the server listens: a start that fails (a port taken) shows no token it never used.
        if (!config.token) {
          process.stderr.write(
            `\nNo CONTENTKV_TOKEN is set, so this run accepts only this generated read-write token:\n\n  ${writeToken}\n\n` +
              'Set CONTENTKV_TOKEN to choose your own. It is not shown again.\n\n',
          );
        }
        logger.info({ url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${info.port}`, store: runtime.stores.mode, redis: describeConnection(config.redis) }, 'contentkv is serving');
      });
      // Without a listener, a port already taken (another dev server on 3000) ended the process
      // with Node's stack trace of an unhandled 'error' event.
      const onListenError = (error: NodeJS.ErrnoException) => {
        const where = `${config.host}:${config.port}`;
        const why = error.code === 'EADDRINUSE' ? `${where} is already in use` : error.code === 'EACCES' ? `${where} may not be bound by this user` : `${where}: ${error.message}`;
        process.stderr.write(`contentkv: cannot listen: ${why}; choose another with PORT or --port (and HOST or --host)\n`);
        void runtime.close().finally(() => process.exit(EXIT.usage));
      };
      server.once('error', onListenError);
      // Only the listen's own failure: a later server error is not "cannot listen".
      server.once('listening', () => server.off('error', onListenError));
      const stop = async (signal: string) => {
        logger.info({ signal }, 'shutting down');
        server.close();
        await runtime.close();
        logger.flush();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}

/**
 * The `contentkv` command. Each subcommand lives in its own file under commands/; this file only
 * wires them to commander and turns failures into a one-line message and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/redis-env.js';
import { ContentKvError, ValidationError } from '../domain/errors.js';
import { VERSION } from '../version.js';
import { registerGenerate } from './commands/generate.js';
import { registerMcp } from './commands/mcp.js';
import { registerMigrate } from './commands/migrate.js';
import { registerTransfer } from './commands/transfer.js';
import { registerServe } from './commands/serve.js';
import { withCauses } from './error-text.js';
import { EXIT } from './exit-codes.js';

const program = new Command()
  .name('contentkv')
  .description('Content service for a portfolio site: REST and MCP over JSON files or Redis, with a zero-downtime migration engine.')
  .version(VERSION, '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

registerServe(program);
registerMcp(program);
registerMigrate(program);
registerTransfer(program);
registerGenerate(program);

/** With --json, a failure is also an object on stdout, for scripts that parse it. */
function jsonError(code: string, message: string): void {
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
}

/** The failure as one line on stderr (and as JSON on stdout with --json). */
function fail(exitCode: number, code: string, message: string, line = message): void {
  process.stderr.write(`contentkv: ${line}\n`);
  jsonError(code, message);
  process.exitCode = exitCode;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander has written its own message to stderr already; --help and --version end here too, with 0.
    if (error.exitCode === 0) process.exitCode = EXIT.ok;
    else {
      jsonError('USAGE', error.message.replace(/^error: /, ''));
      process.exitCode = EXIT.usage;
    }
  } else if (error instanceof ConfigError) {
    fail(EXIT.usage, 'CONFIGURATION', error.message, `configuration error: ${error.message}`);
  } else if (error instanceof ValidationError) {
    // The command's own input (a flag the engine refuses): a usage error.
    fail(EXIT.usage, error.code, error.message);
  } else if (error instanceof ContentKvError) {
    fail(EXIT.failed, error.code, withCauses(error), `${error.code}: ${withCauses(error)}`);
  } else {
    fail(EXIT.failed, 'FAILED', withCauses(error));
  }
}

/**
 * Structured logs (pino) to stdout. Anything that could hold a credential is redacted by path,
 * as a second line of defence: the code never puts tokens in log fields to begin with.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * `destination` defaults to stdout; `contentkv mcp` and the migration commands pass 'stderr',
 * because stdout carries the protocol or the command's result.
 */
export function createLogger(level = 'info', destination?: 'stderr' | DestinationStream | NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'contentkv' },
      redact: { paths: ['authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'token', '*.token'], censor: '[redacted]' },
    },
    (destination === 'stderr' ? pino.destination(2) : (destination ?? pino.destination({ sync: false }))) as DestinationStream,
  );
}

export type { Logger };

/**
 * Sends a batch that may call scripts by SHA. Commands answered NOSCRIPT (a fresh Redis, a
 * restart, a failover) are sent again as EVAL with the full source, in one more round trip; a
 * NOSCRIPT reply means the script did not run, so resending cannot apply anything twice.
 */
import { ReadOnlyError, StoreUnavailableError } from '../../domain/errors.js';
import type { ExecOptions, RedisArg, RedisCommand, RedisDriver, RedisReply, RedisResult } from './driver.js';
import { RedisReplyError, RedisUnavailableError } from './driver.js';
import { scriptBySha, type LuaScript } from './scripts.js';

export function evalsha(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): RedisCommand {
  return ['EVALSHA', script.sha, keys.length, ...keys, ...args];
}

function isNoScript(result: RedisResult): boolean {
  return result instanceof RedisReplyError && result.message.startsWith('NOSCRIPT');
}

/**
 * A failed batch as the error the edges know: a connection failure as STORE_UNAVAILABLE (with
 * the transport's text kept as its cause, for logs only); an error reply to the whole batch (a
 * bad credential, a refused request) as replyOf maps a command's.
 */
export function storeFailure(error: unknown): Error {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof RedisReplyError) return replyFailure(error);
  if (error instanceof RedisUnavailableError) return new StoreUnavailableError('redis', error.retryAfterSeconds, error.reason, error.maybeApplied, error);
  return new StoreUnavailableError('redis', 2, 'Redis cannot be reached or did not answer', true, error);
}

function replyFailure(error: Error): Error {
  // A refused write is NOPERM, or inside a script "ERR The user executing the script can't run this command".
  if (/^NOPERM|user executing the script can't run/.test(error.message)) {
    return new ReadOnlyError('the Redis credential in use may only read; configure the read-write token to edit content');
  }
  return new Error(`Redis error: ${error.message}`);
}

export async function execBatch(driver: RedisDriver, commands: readonly RedisCommand[], options?: ExecOptions): Promise<RedisResult[]> {
  let results: RedisResult[];
  try {
    results = await driver.exec(commands, options);
  } catch (error) {
    throw storeFailure(error);
  }
  const missing = results.flatMap((result, index) => (isNoScript(result) ? [index] : []));
  if (missing.length === 0) return results;
  const resend = missing.map((index) => {
    const command = commands[index] as RedisCommand;
    const script = scriptBySha(String(command[1]));
    if (!script) throw new Error(`NOSCRIPT for an unknown script ${String(command[1])}`);
    return ['EVAL', script.source, ...command.slice(2)] as RedisCommand;
  });
  let retried: RedisResult[];
  try {
    retried = await driver.exec(resend, options);
  } catch (error) {
    throw storeFailure(error);
  }
  missing.forEach((index, position) => {
    results[index] = retried[position] as RedisResult;
  });
  return results;
}

/** The reply itself, or a typed error for a failed command. */
export function replyOf(result: RedisResult | undefined): RedisReply {
  if (result instanceof Error) throw replyFailure(result);
  return result === undefined ? null : result;
}

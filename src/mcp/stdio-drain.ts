/**
 * Stdio for `contentkv mcp` that answers what it was asked before it lets the end of stdin
 * through. The SDK's stdio transport closes when stdin ends and sends nothing after, so with
 * `printf '...' | contentkv mcp` the answers still being worked out were lost. Here stdin reaches
 * the transport through a stream that ends only once every request read has been answered, or
 * after `graceMs` if one never is.
 */
import { PassThrough } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';

type Message = { id?: string | number | null; method?: string; params?: { requestId?: string | number } };

function each(message: unknown, visit: (message: Message) => void): void {
  for (const one of Array.isArray(message) ? message : [message]) if (one !== null && typeof one === 'object') visit(one as Message);
}

export interface DrainingStdio {
  transport: StdioServerTransport;
  /** Call once the server has been given the transport: from then on requests are counted. */
  watch(): void;
  /** Resolves when stdin has ended and every request read was answered (or the grace ran out). */
  finished: Promise<{ unanswered: number }>;
}

export function drainingStdio(options: { graceMs?: number } = {}): DrainingStdio {
  const input = new PassThrough();
  process.stdin.pipe(input, { end: false });
  const transport = new StdioServerTransport(input, process.stdout);
  const pending = new Set<string | number>();
  let settle: (() => void) | undefined;

  // pipe() forwards no error: a read error on stdin goes to the transport as its own stdin's would.
  process.stdin.on('error', (error) => input.destroy(error));

  const finished = new Promise<{ unanswered: number }>((resolve) => {
    let closing = false;
    const onEnd = () => {
      if (closing) return;
      closing = true;
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (!input.destroyed) input.end();
        resolve({ unanswered: pending.size });
      };
      // Not unref'd: with a request still unanswered and nothing else pending (the JSON store),
      // the process would end on its own, without closing the stores or saying so.
      const timer = setTimeout(done, options.graceMs ?? 30_000);
      // What stdin delivered last may still sit in the pass-through: once the transport has read
      // it all, every request is counted.
      const check = () => {
        if (input.readableLength > 0 || input.writableLength > 0) setImmediate(check);
        else if (pending.size === 0) done();
        else settle = done;
      };
      check();
    };
    // A stdin that closes without ending (the client went away) ends the session the same way.
    process.stdin.once('end', onEnd);
    process.stdin.once('close', onEnd);
  });

  return {
    transport,
    finished,
    watch() {
      const receive = transport.onmessage;
      const send = transport.send.bind(transport);
      if (!receive) throw new Error('the MCP server has not taken the stdio transport yet');
      transport.onmessage = (message) => {
        each(message, (one) => {
          if (one.method !== undefined && one.id !== undefined && one.id !== null) pending.add(one.id);
          // A cancelled request gets no answer (the SDK drops it too): nothing to wait for.
          else if (one.method === 'notifications/cancelled' && one.params?.requestId !== undefined) pending.delete(one.params.requestId);
        });
        if (pending.size === 0) settle?.();
        receive(message);
      };
      transport.send = async (message) => {
        try {
          await send(message);
        } finally {
          each(message, (one) => {
            if (one.method === undefined && one.id !== undefined && one.id !== null) pending.delete(one.id);
          });
          if (pending.size === 0) settle?.();
        }
      };
    },
  };
}

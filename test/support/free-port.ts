// Picks loopback ports for test servers that must be told their port up front (redis-server
// cannot report a port it chose itself). Ports come from below the kernel's ephemeral range
// (32768+ on Linux) so an outgoing connection cannot take the port between the probe and the
// server's bind, or during a kill/restart on the same port. Parallel test files can still race
// for a port, so callers retry on EADDRINUSE.
import net from 'node:net';

const LOW = 10_000;
const HIGH = 22_000; // leaves room for a cluster bus port at +10000, still below 32768
// The machine's own Redis, its cluster bus and sentinel: never hand these out.
const NEVER = new Set([6379, 16379, 26379]);
// Ports handed out by this process recently; avoids two parallel starts getting the same one.
const handedOut = new Set<number>();

export interface FreePortOptions {
  /** Also require port + busOffset to be free (Redis Cluster's bus uses port + 10000). */
  busOffset?: number;
}

function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

export async function freePort(opts: FreePortOptions = {}): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (NEVER.has(port) || handedOut.has(port)) continue;
    const bus = opts.busOffset === undefined ? undefined : port + opts.busOffset;
    if (bus !== undefined && (bus > 65_535 || NEVER.has(bus) || handedOut.has(bus))) continue;
    if (!(await canBind(port))) continue;
    if (bus !== undefined && !(await canBind(bus))) continue;
    handedOut.add(port);
    if (bus !== undefined) handedOut.add(bus);
    // Forget it after a while: by then the server has bound it or given up.
    setTimeout(() => {
      handedOut.delete(port);
      if (bus !== undefined) handedOut.delete(bus);
    }, 30_000).unref();
    return port;
  }
  throw new Error(`no free loopback port found in ${LOW}-${HIGH}`);
}

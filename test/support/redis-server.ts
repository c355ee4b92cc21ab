// Real, throwaway redis-server processes for tests: each one on its own loopback port and temp
// dir, so tests never share state with each other or with the machine's own Redis on 6379, and
// fault tests can kill, stop and restart the server under a client. Also holds the small RESP
// client that these helpers and the Upstash bridge use: raw RESP2 keeps status replies, bulk
// bytes and errors nested in arrays distinct, which a general-purpose client blurs.
import { spawn, spawnSync, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
const INSTALL_HINT =
  'Install it: `apt-get install redis-server` on Debian/Ubuntu, `brew install redis` on macOS.';

// ---------------------------------------------------------------------------------------------
// RESP2 client

/** An error reply. It is a value (not thrown) inside pipelines and EXEC results. */
export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RespError';
  }
}

/** Status replies are strings, bulk replies are Buffers, so callers can tell them apart. */
export type RespValue = string | Buffer | number | null | RespError | RespValue[];

export interface RespTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export interface RespConnectionOptions extends RespTarget {
  /** Runs before every (re)connect, e.g. to recreate an ACL user lost in a server restart. */
  beforeConnect?: () => Promise<void>;
  connectTimeoutMs?: number;
}

const CRLF = Buffer.from('\r\n');

function encodeCommands(commands: ReadonlyArray<ReadonlyArray<string | Buffer>>): Buffer {
  const parts: Buffer[] = [];
  for (const cmd of commands) {
    parts.push(Buffer.from(`*${cmd.length}\r\n`));
    for (const arg of cmd) {
      const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
    }
  }
  return Buffer.concat(parts);
}

/** Parses one reply at pos; undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, pos: number): [RespValue, number] | undefined {
  if (pos >= buf.length) return undefined;
  const lineEnd = buf.indexOf(CRLF, pos + 1);
  if (lineEnd < 0) return undefined;
  const line = buf.toString('utf8', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buf[pos]) {
    case 0x2b: // +
      return [line, next];
    case 0x2d: // -
      return [new RespError(line), next];
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: {
      // $
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [Buffer.from(buf.subarray(next, next + len)), next + len + 2];
    }
    case 0x2a: {
      // *
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      let p = next;
      for (let i = 0; i < count; i++) {
        const r = parseReply(buf, p);
        if (!r) return undefined;
        items.push(r[0]);
        p = r[1];
      }
      return [items, p];
    }
    default:
      throw new Error(`RESP protocol error at byte ${pos}: ${JSON.stringify(line.slice(0, 40))}`);
  }
}

interface Batch {
  expected: number;
  replies: RespValue[];
  resolve: (replies: RespValue[]) => void;
  reject: (err: Error) => void;
}

/**
 * One lazily (re)connected socket. Every send() writes its whole batch in one write and takes
 * its replies in order, so a MULTI ... EXEC batch cannot interleave with another caller's.
 */
export class RespConnection {
  private ready: Promise<net.Socket> | undefined;
  private socket: net.Socket | undefined;
  private pending: Batch[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  constructor(private readonly opts: RespConnectionOptions) {}

  async send(commands: ReadonlyArray<ReadonlyArray<string | Buffer>>): Promise<RespValue[]> {
    if (commands.length === 0) return [];
    const socket = await this.connect();
    return this.write(socket, commands);
  }

  /** One command; an error reply is thrown. */
  async call(...args: Array<string | Buffer>): Promise<RespValue> {
    const [reply] = await this.send([args]);
    if (reply instanceof RespError) throw reply;
    return reply ?? null;
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }

  private write(
    socket: net.Socket,
    commands: ReadonlyArray<ReadonlyArray<string | Buffer>>,
  ): Promise<RespValue[]> {
    return new Promise((resolve, reject) => {
      // The socket may have closed while this caller awaited it; its replies would never come.
      if (socket.destroyed || socket !== this.socket) {
        reject(new Error(`connection to ${this.opts.host}:${this.opts.port} closed`));
        return;
      }
      this.pending.push({ expected: commands.length, replies: [], resolve, reject });
      socket.write(encodeCommands(commands));
    });
  }

  private connect(): Promise<net.Socket> {
    if (this.closed) return Promise.reject(new Error('RESP connection closed'));
    if (this.ready) return this.ready;
    const ready = this.open();
    this.ready = ready;
    ready.catch(() => {
      if (this.ready === ready) this.ready = undefined;
    });
    return ready;
  }

  private async open(): Promise<net.Socket> {
    if (this.opts.beforeConnect) await this.opts.beforeConnect();
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: this.opts.host, port: this.opts.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${this.opts.host}:${this.opts.port} timed out`));
      }, this.opts.connectTimeoutMs ?? 5_000);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    socket.setNoDelay(true);
    this.attach(socket);
    if (this.opts.password !== undefined) {
      const auth = this.opts.username
        ? ['AUTH', this.opts.username, this.opts.password]
        : ['AUTH', this.opts.password];
      const [reply] = await this.write(socket, [auth]);
      if (reply instanceof RespError) {
        socket.destroy();
        throw reply;
      }
    }
    return socket;
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      let pos = 0;
      for (;;) {
        let parsed: [RespValue, number] | undefined;
        try {
          parsed = parseReply(this.buffer, pos);
        } catch (err) {
          socket.destroy(err as Error);
          return;
        }
        if (!parsed) break;
        pos = parsed[1];
        const batch = this.pending[0];
        if (!batch) continue; // a reply nobody asked for: nothing sensible to do with it
        batch.replies.push(parsed[0]);
        if (batch.replies.length === batch.expected) {
          this.pending.shift();
          batch.resolve(batch.replies);
        }
      }
      this.buffer = this.buffer.subarray(pos);
    });
    // 'close' always follows 'error'; the listener only keeps the error from being unhandled.
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.ready = undefined;
      const failed = this.pending;
      this.pending = [];
      const err = new Error(`connection to ${this.opts.host}:${this.opts.port} closed`);
      for (const batch of failed) batch.reject(err);
    });
  }
}

/** One command on a short-lived connection; error replies are thrown. */
export async function redisCommand(
  target: RespTarget,
  args: string[],
  timeoutMs = 5_000,
): Promise<RespValue> {
  const conn = new RespConnection({ ...target, connectTimeoutMs: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      conn.call(...args),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${args[0] ?? 'command'} timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: nothing we start may outlive the test process.

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let hooksInstalled = false;

function killEverythingSync(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', killEverythingSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killEverythingSync();
      // Keep the default "die on this signal" unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/**
 * A detached shell that SIGKILLs the server if this process dies without running its exit
 * hooks (a test worker killed with SIGKILL on timeout), and quits once the server is gone.
 */
function spawnReaper(childPid: number, dir: string): void {
  const script =
    'while kill -0 "$1" 2>/dev/null; do kill -0 "$2" 2>/dev/null || exit 0; sleep 1; done; ' +
    'kill -9 "$2" 2>/dev/null; rm -rf "$3"';
  try {
    const reaper = spawn('sh', ['-c', script, 'redis-reaper', String(process.pid), String(childPid), dir], {
      detached: true,
      stdio: 'ignore',
    });
    reaper.on('error', () => {});
    reaper.unref();
  } catch {
    // The exit hooks still cover the usual cases.
  }
}

function assertInstalled(binary: 'redis-server' | 'redis-cli'): void {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${binary} is not installed (not found on PATH). ${INSTALL_HINT}`);
    throw r.error;
  }
}

// ---------------------------------------------------------------------------------------------
// A single server

export interface RedisServerOptions {
  /** Extra redis-server command-line options, e.g. ['--maxmemory', '10mb']; they override ours. */
  args?: string[];
  /** Append-only file with fsync on every write, so kill + restart keeps every acknowledged write. */
  persist?: boolean;
  /** Fixed port; by default a free one is picked (and re-picked if another process wins it). */
  port?: number;
}

export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  /** Changes on restart(). */
  readonly pid: number;
  readonly dir: string;
  /** Terminates the server and removes its dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Sends signal (SIGKILL by default) and waits until the process is gone; dir is kept. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and dir (stopping it first if it runs), waits for PING. */
  restart(): Promise<void>;
  /** CLIENT PAUSE ms ALL: resolves once the pause is in force; it lifts by itself after ms. */
  pause(ms: number): Promise<void>;
  /** Freezes the process: connections are accepted by the kernel but nothing is answered. */
  sigstop(): void;
  sigcont(): void;
}

class AddressInUse extends Error {}

function configFor(port: number, dir: string, persist: boolean): string {
  const lines = [
    `port ${port}`,
    `bind ${HOST}`,
    'protected-mode yes',
    'daemonize no',
    `dir ${JSON.stringify(dir)}`,
    `logfile ${JSON.stringify(join(dir, 'redis.log'))}`,
    'save ""',
    persist ? 'appendonly yes' : 'appendonly no',
  ];
  if (persist) lines.push('appendfsync always');
  return lines.join('\n') + '\n';
}

function readLogTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

class RedisServer implements RedisServerHandle {
  readonly host = HOST;
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private frozen = false;
  private disposed = false;
  private lastPid = 0;

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly confPath: string,
    private readonly args: string[],
  ) {
    this.url = `redis://${HOST}:${port}`;
  }

  get pid(): number {
    return this.child?.pid ?? this.lastPid;
  }

  /** Spawns the process and waits until it answers PING. */
  async launch(): Promise<void> {
    const child = spawn('redis-server', [this.confPath, ...this.args], {
      cwd: this.dir,
      stdio: 'ignore',
    });
    let exitedEarly = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        exitedEarly = true;
        liveChildren.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        reject(code === 'ENOENT' ? new Error(`redis-server is not installed. ${INSTALL_HINT}`) : err);
      });
    });
    this.child = child;
    this.frozen = false;
    this.lastPid = child.pid ?? 0;
    liveChildren.add(child);
    if (child.pid !== undefined) spawnReaper(child.pid, this.dir);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exitedEarly) {
        const log = readLogTail(this.dir);
        const msg = `redis-server on port ${this.port} exited during startup:\n${log}`;
        throw /Address already in use|Could not create server TCP listening socket/i.test(log)
          ? new AddressInUse(msg)
          : new Error(msg);
      }
      try {
        const pong = await redisCommand({ host: HOST, port: this.port }, ['PING'], 1_000);
        if (pong === 'PONG') return;
      } catch {
        // not listening yet, or still LOADING the AOF
      }
      if (Date.now() > deadline) {
        await this.terminate('SIGKILL');
        throw new Error(`redis-server on port ${this.port} did not answer PING:\n${readLogTail(this.dir)}`);
      }
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.terminate('SIGTERM');
    liveDirs.delete(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (signal === 'SIGSTOP') return this.sigstop();
    if (signal === 'SIGCONT') return this.sigcont();
    await this.terminate(signal);
  }

  async restart(): Promise<void> {
    if (this.disposed) throw new Error('restart() after stop()');
    await this.terminate('SIGTERM');
    // The port was ours a moment ago; a brief retry covers a racing bind from elsewhere.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.launch();
        return;
      } catch (err) {
        if (!(err instanceof AddressInUse) || attempt >= 20) throw err;
        await sleep(100);
      }
    }
  }

  async pause(ms: number): Promise<void> {
    await redisCommand({ host: HOST, port: this.port }, ['CLIENT', 'PAUSE', String(ms), 'ALL']);
  }

  sigstop(): void {
    if (!this.child) throw new Error('redis-server is not running');
    this.child.kill('SIGSTOP');
    this.frozen = true;
  }

  sigcont(): void {
    if (!this.child) return;
    this.child.kill('SIGCONT');
    this.frozen = false;
  }

  /** Signals the process and waits for its exit, escalating to SIGKILL after a while. */
  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    // A stopped process only acts on the signal once continued (SIGKILL needs no help).
    if (this.frozen) child.kill('SIGCONT');
    this.frozen = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function startOn(
  pickPort: () => Promise<number>,
  argsFor: (port: number) => string[],
  persist: boolean,
  fixedPort: boolean,
): Promise<RedisServer> {
  assertInstalled('redis-server');
  installExitHooks();
  for (let attempt = 0; ; attempt++) {
    const port = await pickPort();
    const dir = mkdtempSync(join(tmpdir(), 'contentkv-redis-'));
    liveDirs.add(dir);
    const confPath = join(dir, 'redis.conf');
    writeFileSync(confPath, configFor(port, dir, persist));
    const server = new RedisServer(port, dir, confPath, argsFor(port));
    try {
      await server.launch();
      return server;
    } catch (err) {
      liveDirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
      if (err instanceof AddressInUse && !fixedPort && attempt < 10) continue;
      throw err;
    }
  }
}

export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const { port } = opts;
  if (port === 6379) throw new Error('refusing to start a test redis-server on 6379');
  return startOn(
    port === undefined ? () => freePort() : () => Promise.resolve(port),
    () => opts.args ?? [],
    opts.persist ?? false,
    port !== undefined,
  );
}

// ---------------------------------------------------------------------------------------------
// A cluster

export interface RedisClusterHandle {
  readonly nodes: Array<{ host: string; port: number }>;
  readonly servers: RedisServerHandle[];
  stop(): Promise<void>;
}

function execFileText(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function asText(v: RespValue): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export async function startRedisCluster(
  opts: { masters?: number } = {},
): Promise<RedisClusterHandle> {
  const masters = opts.masters ?? 3;
  if (masters < 3) throw new Error('redis-cli --cluster create needs at least 3 masters');
  assertInstalled('redis-cli');
  const servers: RedisServerHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    // Wait for every start, failed or not, so stop() below sees every server that came up.
    const results = await Promise.allSettled(
      Array.from({ length: masters }, () =>
        startOn(
          () => freePort({ busOffset: 10_000 }),
          (port) => ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
          false,
          false,
        ),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') servers.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const started = servers;
    const addrs = started.map((s) => `${s.host}:${s.port}`);
    await execFileText('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-yes'], 60_000);

    // redis-cli returns once the config is consistent; each node still has to see every slot.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const infos = await Promise.all(
        started.map((s) =>
          redisCommand({ host: s.host, port: s.port }, ['CLUSTER', 'INFO'], 2_000).then(asText, () => ''),
        ),
      );
      const ok = infos.every(
        (info) =>
          /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(info),
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`cluster did not reach cluster_state:ok:\n${infos.join('\n')}`);
      await sleep(50);
    }
    return {
      nodes: started.map((s) => ({ host: s.host, port: s.port })),
      servers: started,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Starts one HTTP server under test (ours or a baseline) as its own process, the way a user
 * would, and waits until /api/health answers 200. Every process the bench starts is stopped by
 * its own pid when the run ends, even on Ctrl-C, so nothing is left loading the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/support/free-port.js';
import { getStatus } from './http-probe.js';

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** What it printed, for the error message when it dies. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Arguments to node, e.g. ['bin/contentkv.js', 'serve']. */
  args: string[];
  env: Record<string, string>;
  cwd: string;
  readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();

function killAllSync(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
process.once('exit', killAllSync);

export interface Spawned {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
  /** hrtime just before spawn: cold start is measured from here. */
  spawnedAt: bigint;
}

/** Spawns without waiting; the cold-start scenario times from here. */
export async function spawnServer(options: StartOptions): Promise<Spawned> {
  const port = await freePort();
  let output = '';
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited, spawnedAt };
}

export async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Polls /api/health until it answers 200; resolves with the milliseconds since the spawn. */
export async function waitHealthy(spawned: Spawned, name: string, timeoutMs = 30_000): Promise<number> {
  let died = false;
  void spawned.exited.then(() => {
    died = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (died) throw new Error(`${name} exited before it answered /api/health:\n${spawned.output()}`);
    const status = await getStatus(`${spawned.url}/api/health`);
    if (status === 200) return Number(process.hrtime.bigint() - spawned.spawnedAt) / 1e6;
    if (Date.now() > deadline) throw new Error(`${name} did not answer /api/health with 200 within ${timeoutMs} ms:\n${spawned.output()}`);
    await sleep(2);
  }
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const spawned = await spawnServer(options);
  try {
    await waitHealthy(spawned, options.name, options.readyTimeoutMs);
  } catch (error) {
    await stopChild(spawned.child, spawned.exited);
    throw error;
  }
  return {
    name: options.name,
    url: spawned.url,
    pid: spawned.child.pid ?? 0,
    output: spawned.output,
    stop: () => stopChild(spawned.child, spawned.exited),
  };
}

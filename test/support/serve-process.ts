/**
 * Runs the real `contentkv` command (bin/contentkv.js, the compiled code) as a child process, the
 * way a user starts it, and waits until it answers. Output is kept for assertions and failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { READ_TOKEN, sampleDataDir, WRITE_TOKEN } from '../http/app-fixture.js';
import { freePort } from './free-port.js';

export interface ServeHandle {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startServe(env: Record<string, string>, args: string[] = []): Promise<ServeHandle> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['bin/contentkv.js', 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`contentkv serve exited with ${code}:\n${output}`))));
  const ready = (async () => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      try {
        const response = await fetch(`${url}/api/health?probe=live`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`contentkv serve did not answer:\n${output}`);
  })();
  exited.catch(() => undefined);
  await Promise.race([ready, exited]);
  return {
    url,
    port,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/**
 * `contentkv serve` on a copy of the sample data with both test tokens, for the tests of one file:
 * started before them, stopped (and the copy removed) after. Returns a getter for the handle.
 */
export function serveSampleForFile(): () => ServeHandle {
  let data: ReturnType<typeof sampleDataDir> | undefined;
  let server: ServeHandle | undefined;
  beforeAll(async () => {
    data = sampleDataDir();
    server = await startServe({ CONTENTKV_DATA_DIR: data.dir, CONTENTKV_TOKEN: WRITE_TOKEN, CONTENTKV_READ_TOKEN: READ_TOKEN });
  });
  afterAll(async () => {
    await server?.stop();
    data?.cleanup();
  });
  return () => {
    if (!server) throw new Error('the sample server is started in beforeAll; use it inside a test');
    return server;
  };
}

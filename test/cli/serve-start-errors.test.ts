/**
 * `contentkv serve` refusing to start, as a user meets it: one line naming what to change and
 * exit code 2, never Node's stack trace. And the one start it makes but warns about: a data
 * directory with no content in it.
 */
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleDataDir } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { startServe } from '../support/serve-process.js';

let sample: { dir: string };
beforeAll(() => {
  sample = sampleDataDir();
});
afterAll(() => rmSync(sample.dir, { recursive: true, force: true }));

it('names the port and how to choose another when it is already in use', async () => {
  const port = await freePort();
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
  try {
    // No CONTENTKV_TOKEN: the token a server would generate is shown only once it listens.
    const result = await runCli(['serve'], { PORT: String(port), CONTENTKV_DATA_DIR: sample.dir }, { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`contentkv: cannot listen: 127.0.0.1:${port} is already in use; choose another with PORT or --port`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain('generated read-write token');
  } finally {
    taken.close();
  }
});

it('refuses an unknown LOG_LEVEL as a configuration error that lists the levels', async () => {
  const result = await runCli(['serve'], { LOG_LEVEL: 'verbose', CONTENTKV_DATA_DIR: sample.dir }, { timeoutMs: 30_000 });
  expect(result.code).toBe(2);
  expect(result.stderr.trim()).toBe('contentkv: configuration error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"');
});

it('refuses a data directory that does not exist rather than create it and serve an empty site', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ckv-no-data-'));
  try {
    const missing = join(parent, 'mistyped');
    for (const command of [['serve'], ['mcp']]) {
      const result = await runCli(command, { CONTENTKV_DATA_DIR: missing, CONTENTKV_TOKEN: 'a'.repeat(32) }, { timeoutMs: 30_000 });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toBe(
        `contentkv: configuration error: the data directory ${missing} does not exist; set CONTENTKV_DATA_DIR to the directory holding projects.json and resources.json (or create it to start an empty site)`,
      );
    }
    expect(existsSync(missing)).toBe(false);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

it('warns, naming the directory, when the data directory holds no projects.json or resources.json', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'ckv-empty-data-'));
  const server = await startServe({ CONTENTKV_DATA_DIR: empty, CONTENTKV_TOKEN: 'a'.repeat(32) });
  try {
    const warning = server
      .output()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string; dataDir?: string })
      .find((entry) => /no projects\.json or resources\.json/.test(entry.msg));
    expect(warning).toMatchObject({ level: 40, dataDir: empty, msg: expect.stringMatching(/set CONTENTKV_DATA_DIR/) });
  } finally {
    await server.stop();
    rmSync(empty, { recursive: true, force: true });
  }
});

it('does not warn when the data directory holds the content', async () => {
  const server = await startServe({ CONTENTKV_DATA_DIR: sample.dir, CONTENTKV_TOKEN: 'a'.repeat(32) });
  try {
    expect(server.output()).not.toMatch(/no projects\.json or resources\.json/);
  } finally {
    await server.stop();
  }
});

it('names --port, not PORT, when the flag is not a port number', async () => {
  const result = await runCli(['serve', '--port', 'abc'], { CONTENTKV_DATA_DIR: sample.dir }, { timeoutMs: 30_000 });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/option '-p, --port <port>' argument 'abc' is invalid\. a whole number from 0 to 65535/);
});

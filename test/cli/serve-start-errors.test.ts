/**
 * `contentkv serve` refusing to start, as a user meets it: one line naming what to change and
 * exit code 2, never Node's stack trace.
 */
import { createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleDataDir } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/free-port.js';

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
    const result = await runCli(['serve'], { PORT: String(port), CONTENTKV_DATA_DIR: sample.dir, CONTENTKV_TOKEN: 'a'.repeat(32) }, { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`contentkv: cannot listen: 127.0.0.1:${port} is already in use; choose another with PORT or --port`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  } finally {
    taken.close();
  }
});

it('refuses an unknown LOG_LEVEL as a configuration error that lists the levels', async () => {
  const result = await runCli(['serve'], { LOG_LEVEL: 'verbose', CONTENTKV_DATA_DIR: sample.dir }, { timeoutMs: 30_000 });
  expect(result.code).toBe(2);
  expect(result.stderr.trim()).toBe('contentkv: configuration error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"');
});

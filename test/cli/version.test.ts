/**
 * `contentkv --version` prints the package's version, and the constant behind it (also the MCP
 * server's announced version) has not drifted from package.json.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { runCli } from '../support/cli.js';

const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

it('keeps the version constant equal to package.json', () => {
  expect(VERSION).toBe(packageVersion);
});

it('prints the version with --version and -V, and exits 0', async () => {
  for (const flag of ['--version', '-V']) {
    const result = await runCli([flag], {});
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(packageVersion);
  }
});

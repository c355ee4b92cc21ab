/**
 * Debian's chromium through playwright-core, for the tests that drive the dashboard in a real
 * browser. A missing binary fails with the command that installs it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.CONTENTKV_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the dashboard tests drive a real browser. ` +
        'Install it with `apt-get install -y chromium` (Debian/Ubuntu), or point CONTENTKV_CHROMIUM at a Chrome or Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

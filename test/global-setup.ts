/**
 * Tests that spawn `contentkv` run the compiled code in dist/ (bundled: dist/contentkv.js), as users do. `npm test` builds
 * first (pretest); this rebuilds when someone runs vitest directly after editing src/.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  let built = 0;
  try {
    built = statSync('dist/contentkv.js').mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newest('src')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}

/**
 * Makes sure the code being measured is the code in src/: our server runs compiled (the way
 * `npm start` runs it), so dist/ is rebuilt when any source file is newer than the last build.
 * Other people edit src/ while benchmarks run; when their work in progress does not compile,
 * the run goes on with the existing dist/ and says so at the top of the report, rather than
 * measuring nothing.
 *
 * The run then measures a snapshot of dist/ (bench/.build/dist), not dist/ itself: a rebuild by
 * someone else halfway through a run would otherwise make later rows measure different code than
 * earlier ones, or code that does not start.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The bundle is the build's last step, so it is the newest file of a finished build. */
const MARKER = 'dist/contentkv.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export interface DistState {
  built: boolean;
  /** Set when the benchmark measures a dist/ that is older than src/. */
  warning?: string;
}

export function ensureDist(root: string): DistState {
  const marker = join(root, MARKER);
  const fresh = existsSync(marker) && statSync(marker).mtimeMs >= newestMtime(join(root, 'src'));
  if (fresh) return { built: false };
  process.stdout.write('building dist/ (src/ changed since the last build) ...\n');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (result.status === 0) return { built: true };
  const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-12).join('\n');
  if (!existsSync(marker)) throw new Error(`npm run build failed and there is no dist/ to measure:\n${tail}`);
  return {
    built: false,
    warning: `npm run build failed (src/ has changes that do not compile); measuring the dist/ built at ${statSync(marker).mtime.toISOString()}:\n${tail}`,
  };
}

/**
 * Copies dist/ (or `from`) to bench/.build/dist, and bin/contentkv.js beside it, so the copy runs
 * as `npm start` runs the real one (bin/ also turns on Node's compile cache where Node has one).
 * Returns the entry to run: that copy of bin/, or for a dist/ built before there was a bundle,
 * the CLI module.
 */
export function snapshotDist(root: string, from = join(root, 'dist')): string {
  if (!existsSync(join(from, 'cli/main.js'))) throw new Error(`${from} holds no compiled contentkv (cli/main.js is missing)`);
  const target = join(root, 'bench/.build/dist');
  rmSync(target, { recursive: true, force: true });
  cpSync(from, target, { recursive: true });
  if (!existsSync(join(from, 'contentkv.js'))) return 'bench/.build/dist/cli/main.js';
  cpSync(join(root, 'bin/contentkv.js'), join(root, 'bench/.build/bin/contentkv.js'));
  return 'bench/.build/bin/contentkv.js';
}

// Bundles the compiled CLI (dist/cli/main.js) and everything it imports, dependencies included,
// into dist/contentkv.js, which bin/contentkv.js runs. Node then reads and links a few dozen
// modules instead of several hundred (node-redis alone is over 400 files), which took about a
// third off the time from spawn to the first answered request. The unbundled dist/ stays for the
// serverless entry (api/index.js), the tests and the benchmark's baselines.
//
// What the code loads with import() (the MCP SDK, the Upstash client, the migration commands'
// progress bars, each Redis driver) goes to a chunk of its own, dist/contentkv-*.js, so a start
// does not even parse what it does not run: a single file meant compiling all 4 MB on every
// start, about 30 ms of `contentkv serve` becoming ready. The chunks sit at the root of dist/
// beside the entry, so asset paths (src/assets.ts) resolve the same from each of them.
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const CHUNK = /^contentkv-.+\.js(\.map)?$|^contentkv-.+\.LEGAL\.txt$/;
for (const name of readdirSync('dist')) if (CHUNK.test(name)) rmSync(`dist/${name}`);

await build({
  entryPoints: { contentkv: 'dist/cli/main.js' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'contentkv-[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Not minified, so names stay as written (esbuild renames only where two modules collide).
  // keepNames is off on purpose: it wraps every function created at run time in a call that
  // sets its name, which showed up at 3% of a profile of GET requests.
  // The CommonJS dependencies call require(); an ES module has none unless it makes one.
  banner: { js: "import { createRequire as contentkvCreateRequire } from 'node:module';\nconst require = contentkvCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});

// Bundles the compiled CLI (dist/cli/main.js) and everything it imports, dependencies included,
// into one file, dist/contentkv.js, which bin/contentkv.js runs. Node then reads and links one
// module instead of several hundred (node-redis alone is over 400 files), which took about a
// third off the time from spawn to the first answered request. The unbundled dist/ stays for the
// serverless entry (api/index.js), the tests and the benchmark's baselines.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/contentkv.js',
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

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
  // Class and function names stay as written: errors and logs name them.
  keepNames: true,
  // The CommonJS dependencies call require(); an ES module has none unless it makes one.
  banner: { js: "import { createRequire as contentkvCreateRequire } from 'node:module';\nconst require = contentkvCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});

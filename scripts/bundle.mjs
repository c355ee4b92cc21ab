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
//
// Only what a start can skip should be loaded with import(). esbuild gives each set of entry
// points (the CLI and every import() target) that reaches a module a shared chunk of its own, so
// modules the CLI imports statically anyway but that some command also import()ed (the config,
// the logger, the runtime, the stores) split the server into 20-odd small chunks, each a file to
// resolve, read and link: `contentkv serve` loaded 21 files before its first answer. Imported
// statically, it loads 8, and answers about 15 ms sooner (205 against 219 ms, medians of 15
// alternating starts).
//
// Start-up time follows the bytes Node decodes and compiles, so two more cuts (measured on
// `contentkv serve` from spawn to the first 200 of /api/health, 14 alternating starts each:
// 466 ms median before, 411 ms after, bare Hono 180 ms, on a slow 2-core machine):
// - zod's `locales` export pulls in 40-odd translations of its messages (360 KB) that we never
//   select; only English, the default zod configures itself with, is bundled. Importing the zod
//   chunk alone went from about 80 to 61 ms (and to 53 ms once minified as well).
// - whitespace and syntax are minified (3.6 to 2.2 MB); identifiers are not, so stack traces
//   still name the functions as written (esbuild renames only where two modules collide).
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

// Points zod's `../locales/index.js` (from its classic, core and mini entries) at a module that
// exports `en` alone. A zod that lays its files out otherwise simply keeps all its locales.
const zodEntry = /[\\/]zod[\\/]v4[\\/](classic|core|mini)[\\/]/;
const englishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      zodEntry.test(args.importer) ? { path: join(dirname(args.importer), '../locales/index.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
    }));
  },
};

// node-redis's command table. Its client module requires all ~420 command definitions (260 KB of
// the driver's chunk) to give each client a method per command, and its cluster builds every node
// client with them. Our driver only calls sendCommand(); node-redis itself calls the few below
// while it connects (AUTH for a password or ACL user, CLUSTER SLOTS for a cluster's slot map,
// READONLY and ASKING for cluster routing, HELLO, PING, CLIENT SETNAME), so only those are bundled.
// Importing the driver's chunk went from about 60 to 38 ms, and `contentkv serve` from spawn to
// the first 200 of /api/health from 247 to 221 ms (median of 15 alternating starts each).
// test/cli/serve-stores.test.ts runs the bundle against a password, an ACL user and a cluster. If
// a node-redis release moves its command table, the filter below stops matching and the whole
// table is bundled again: slower, never broken. A release that calls one more command by method
// fails those tests if it does so on the paths they run (password, ACL user, Cluster without
// replicas); elsewhere only the bundle would fail, since the unbundled tests load the whole table.
const REDIS_COMMANDS_USED = { AUTH: 'auth', CLIENT_SETNAME: 'clientSetName', READONLY: 'readonly', CLUSTER_SLOTS: 'clusterSlots', HELLO: 'hello', ASKING: 'asking', PING: 'ping' };
const redisCommandsUsed = {
  name: 'redis-commands-used',
  setup(build) {
    build.onResolve({ filter: /^(?:\.\.\/|\.\/)(?:lib\/)?commands$/ }, (args) => {
      const dir = join(args.resolveDir, args.path);
      return /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]commands$/.test(dir) ? { path: join(dir, 'index.js'), namespace: 'redis-commands' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'redis-commands' }, (args) => {
      const lines = Object.entries(REDIS_COMMANDS_USED).map(([name, method]) => `const ${name} = require('./${name}.js').default; commands.${name} = ${name}; commands.${method} = ${name};`);
      return { contents: `const commands = {};\n${lines.join('\n')}\nexports.__esModule = true; exports.default = commands; exports.NON_STICKY_COMMANDS = commands;\n`, resolveDir: dirname(args.path), loader: 'js' };
    });
  },
};

// OpenTelemetry's API (43 KB) is required by two dependencies, and used by neither here:
// - prom-client's process CPU metric, to label samples with the active trace when exemplars are
//   on. They never are, and nothing registers an OpenTelemetry SDK, under which the API finds no
//   active span anyway: prom-client gets a module that answers just that.
// - node-redis, only inside OpenTelemetry.init(), which we never call; it treats the package as
//   optional, so it gets a module that fails to load as if the package were not installed.
// Left out, `contentkv serve` answered about 5 ms sooner (medians of 15 alternating starts).
const openTelemetryUnused = {
  name: 'opentelemetry-unused',
  setup(build) {
    build.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) => {
      if (/[\\/]prom-client[\\/]/.test(args.importer)) return { path: 'no-active-span', namespace: 'opentelemetry' };
      if (/[\\/]@redis[\\/]client[\\/]/.test(args.importer)) return { path: 'not-installed', namespace: 'opentelemetry' };
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'opentelemetry' }, (args) => ({
      contents:
        args.path === 'no-active-span'
          ? 'exports.context = { active: () => undefined };\nexports.trace = { getSpan: () => undefined };\n'
          : "throw new Error('@opentelemetry/api is not bundled with contentkv');\n",
      loader: 'js',
    }));
  },
};

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
  minifyWhitespace: true,
  minifySyntax: true,
  // keepNames is off on purpose: it wraps every function created at run time in a call that
  // sets its name, which showed up at 3% of a profile of GET requests.
  // The CommonJS dependencies call require(); an ES module has none unless it makes one.
  banner: { js: "import { createRequire as contentkvCreateRequire } from 'node:module';\nconst require = contentkvCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [englishOnly, redisCommandsUsed, openTelemetryUnused],
});

/**
 * Command-line flags of `npm run bench`. Kept apart from the entry so the scenario list and the
 * flags are checked before anything is started: a typo in --only should fail in milliseconds,
 * not after Redis has been filled.
 */
export const SCENARIOS = [
  'rest-get',
  'rest-list',
  'mcp-get',
  'mcp-update',
  'backfill',
  'verify',
  'list-scale',
  'memory',
  'cold-start',
  'round-trips',
  'latency',
] as const;

export type ScenarioId = (typeof SCENARIOS)[number];

export interface BenchArgs {
  quick: boolean;
  only: ReadonlySet<ScenarioId>;
  /**
   * Where the table goes as JSON. By default only a full run (every scenario, not quick, not
   * profiled) replaces bench/results/latest.json, the run the README quotes; any other run writes
   * bench/results/partial.json, or results.json in the profile directory.
   */
  jsonPath: string;
  /** A compiled build to measure instead of building src/ (e.g. a checkout of another commit). */
  distDir: string | null;
  /** Write a CPU profile of every server process under load into this directory. */
  profileDir: string | null;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only <scenario,...>] [--json <path>] [--dist <dir>] [--profile <dir>]
scenarios: ${SCENARIOS.join(', ')}`;

function isScenario(name: string): name is ScenarioId {
  return (SCENARIOS as readonly string[]).includes(name);
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let only: ScenarioId[] = [...SCENARIOS];
  let jsonPath: string | null = null;
  let distDir: string | null = null;
  let profileDir: string | null = null;
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = () => {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
      index += 1;
      return next;
    };
    if (flag === '--quick') quick = true;
    else if (flag === '--only') {
      const names = value().split(',').map((name) => name.trim()).filter(Boolean);
      const unknown = names.filter((name) => !isScenario(name));
      if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
      only = names as ScenarioId[];
    } else if (flag === '--json') jsonPath = value();
    else if (flag === '--dist') distDir = value();
    else if (flag === '--profile') profileDir = value();
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  const full = !quick && profileDir === null && only.length === SCENARIOS.length;
  jsonPath ??= full ? 'bench/results/latest.json' : profileDir !== null ? `${profileDir}/results.json` : 'bench/results/partial.json';
  return { quick, only: new Set(only), jsonPath, distDir, profileDir };
}

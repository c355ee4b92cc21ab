/**
 * `npm run bench`: measures contentkv against baselines run on the same machine in the same run,
 * and prints (and writes as JSON) a table of throughput, latency, ratios and targets.
 *
 * It starts its own redis-server, loads the synthetic documents through the store, and runs our
 * server and every baseline as separate processes, one load at a time (on 2 cores two loads would
 * measure each other). Ratios, not absolute numbers, are the targets: they hold from one machine
 * to the next where req/s do not. See bench/README.md for what each scenario does and why.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../test/support/redis-server.js';
import { parseArgs, SCENARIOS, USAGE, type BenchArgs } from './lib/args.js';
import { buildBaselines } from './lib/baseline-build.js';
import { Bench } from './lib/bench.js';
import { ensureDist, snapshotDist } from './lib/build.js';
import { codeLine, codeVersion } from './lib/code-version.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { writeReport } from './lib/report.js';
import { failedRow, formatFigures, renderTable, summarize, type Row } from './lib/table.js';
import { SCENARIO_RUNNERS, SCENARIO_TITLES } from './scenarios/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);

function argsOrExit(): BenchArgs {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  try {
    return parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const args = argsOrExit();
  // Exiting runs the 'exit' hooks that stop every process the bench started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const startedAt = new Date();
  const warnings: string[] = [];
  const code = codeVersion(root);

  if (args.profileDir) warnings.push(`servers run with --cpu-prof into ${resolve(args.profileDir)}: profiling slows them, so use this run's numbers to find causes, not as results`);
  if (args.distDir) warnings.push(`measuring the build in ${resolve(args.distDir)}, not src/ (--dist)`);
  else {
    const dist = ensureDist(root);
    if (dist.warning) warnings.push(dist.warning);
  }
  const oursEntry = snapshotDist(root, args.distDir ? resolve(args.distDir) : undefined);
  const baselinePaths = buildBaselines(root);
  const redis = await startRedisServer();
  const machine = await describeMachine(redis);
  const measuredFrom = args.distDir ? resolve(args.distDir) : 'dist/ (snapshot in bench/.build/dist)';
  process.stdout.write(`${machineLine(machine)}\n${codeLine(code, measuredFrom)}\n`);
  for (const warning of warnings) process.stdout.write(`WARNING: ${warning}\n`);

  const bench = new Bench(root, args.quick, redis, baselinePaths, oursEntry, say, args.profileDir ? resolve(args.profileDir) : null);
  say(`${args.quick ? 'quick' : 'full'} run: ${bench.connections} connections, ${bench.timing.warmupSeconds} s warm-up + ${bench.timing.seconds} s per load`);
  const rows: Row[] = [];
  try {
    for (const scenario of SCENARIOS) {
      if (!args.only.has(scenario)) continue;
      const started = performance.now();
      say(`${scenario}: running`);
      try {
        const produced = await SCENARIO_RUNNERS[scenario](bench);
        for (const row of Array.isArray(produced) ? produced : [produced]) {
          rows.push(row);
          say(`${scenario}: ${row.title}: ${formatFigures(row.ours) || 'not measured'} [${row.checks.map((check) => check.verdict).join(', ')}]`);
        }
      } catch (error) {
        rows.push(failedRow(scenario, SCENARIO_TITLES[scenario], error));
        say(`${scenario}: ERROR ${(error as Error).stack ?? String(error)}`);
      }
      say(`${scenario}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await bench.close();
    await redis.stop();
  }

  process.stdout.write(`\n${machineLine(machine)}\n${codeLine(code, measuredFrom)}\n`);
  process.stdout.write(`${args.quick ? 'quick' : 'full'} run, ${bench.connections} connections, ${bench.timing.seconds} s per load after ${bench.timing.warmupSeconds} s warm-up\n\n`);
  process.stdout.write(`${renderTable(rows)}\n\n`);
  const counts = summarize(rows);
  process.stdout.write(`targets: ${counts.PASS} pass, ${counts.FAIL} fail, ${counts['NOT MEASURED']} not measured, ${counts.ERROR} errors\n`);
  const path = writeReport(args.jsonPath, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick: args.quick,
    connections: bench.connections,
    timing: { warmupSeconds: bench.timing.warmupSeconds, seconds: bench.timing.seconds },
    machine,
    code: { ...code, measuredFrom },
    warnings,
    rows,
  });
  process.stdout.write(`written to ${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

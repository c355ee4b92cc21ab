/**
 * One load run with autocannon, the same way for our server and every baseline: a warm-up run
 * whose numbers are thrown away (JIT, connection pools, caches), then the measured run.
 *
 * Latency percentiles are computed here from every response's own time, because autocannon's
 * histogram keeps whole milliseconds, too coarse for a p50 of 2-5 ms and for a p50 ratio.
 * Throughput counts only successes: responses the scenario's check accepts (a 200 carrying an
 * MCP error result is not a success), divided by the run's actual duration.
 */
import autocannon from 'autocannon';
import { meterBackground, processCpuMs, waitForQuiet } from './background-cpu.js';

export type Context = Record<string, unknown>;

export interface LoadPlan {
  /** Origin, e.g. http://127.0.0.1:12345. */
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  connections: number;
  /** Varies each request (an id, a cursor, a version); keep it cheap, it runs in the load generator. */
  setupRequest?: (request: autocannon.Request, context: Context) => autocannon.Request;
  /** Whether a response is a success; by default any 2xx. */
  accept?: (status: number, body: string, context: Context) => boolean;
  timeoutSeconds?: number;
  /** The server process under test: its CPU time per success is reported, which a busy machine distorts far less than throughput. */
  pid?: number;
  /** The redis-server it uses, whose CPU time per success is reported too (a write's Lua script runs there). */
  redisPid?: number;
}

export interface LoadResult {
  seconds: number;
  connections: number;
  successes: number;
  failures: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Successes per second. */
  throughput: number;
  /** Milliseconds, over 2xx responses. */
  p50: number;
  p99: number;
  max: number;
  /** Share of the machine's CPU used by processes outside the bench during the run (0 to 1). */
  backgroundCpu: number;
  /**
   * CPU the load generator used, as a share of one core (autocannon runs on this process's one
   * JavaScript thread). Near 1, it was the bottleneck: the server could answer more than measured.
   */
  generatorCpu: number;
  /** CPU time of the server process per success, in microseconds (user + system), when its pid is known. */
  serverCpuUs?: number;
  redisCpuUs?: number;
  /** For runs merged from alternating rounds: the throughput of each round, in order. */
  roundThroughputs?: number[];
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** How long a run lasts: a duration, or a number of responses (for servers slower than the window). */
type Budget = { seconds: number } | { requests: number };

/** One autocannon run: its result, and what merging it with other runs needs. */
export interface Run {
  result: LoadResult;
  /** Latencies of its 2xx responses, sorted. */
  latencies: Float64Array;
}

function once(plan: LoadPlan, budget: Budget): Promise<Run> {
  let successes = 0;
  let failures = 0;
  const latencies: number[] = [];
  const accept = plan.accept;
  const request: autocannon.Request = {
    method: plan.method,
    path: plan.path,
    ...(plan.setupRequest ? { setupRequest: plan.setupRequest as (r: autocannon.Request, c: object) => autocannon.Request } : {}),
    onResponse: (status: number, body: string, context: object) => {
      const ok = accept ? accept(status, body, context as Context) : status >= 200 && status < 300;
      if (ok) successes += 1;
      else failures += 1;
    },
  };
  const background = meterBackground();
  const generatorBefore = process.cpuUsage();
  const startedAt = performance.now();
  const cpuBefore = plan.pid ? processCpuMs(plan.pid) : null;
  const redisBefore = plan.redisPid ? processCpuMs(plan.redisPid) : null;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: plan.url,
        method: plan.method,
        headers: plan.headers ?? {},
        ...(plan.body ? { body: plan.body } : {}),
        connections: plan.connections,
        ...('requests' in budget ? { amount: budget.requests } : { duration: budget.seconds }),
        timeout: plan.timeoutSeconds ?? 10,
        // autocannon ends a timed run at its first sample tick after the time is up; ticks of
        // 100 ms rather than a second let a round of 2.5 s last 2.5 s, not 3. We count the
        // responses ourselves, so its samples are not used.
        sampleInt: 100,
        requests: [request],
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const generator = process.cpuUsage(generatorBefore);
        const generatorCpu = (generator.user + generator.system) / 1000 / (performance.now() - startedAt);
        const sorted = Float64Array.from(latencies).sort();
        const cpuAfter = plan.pid ? processCpuMs(plan.pid) : null;
        const perSuccess = (before: number | null, after: number | null) => (before !== null && after !== null && successes > 0 ? ((after - before) * 1000) / successes : undefined);
        const serverCpuUs = perSuccess(cpuBefore, cpuAfter);
        const redisCpuUs = perSuccess(redisBefore, plan.redisPid ? processCpuMs(plan.redisPid) : null);
        const loadResult: LoadResult = {
          seconds: result.duration,
          connections: plan.connections,
          successes,
          failures,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          throughput: successes / result.duration,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          max: percentile(sorted, 1),
          backgroundCpu: background.stop(),
          generatorCpu,
          ...(serverCpuUs !== undefined ? { serverCpuUs } : {}),
          ...(redisCpuUs !== undefined ? { redisCpuUs } : {}),
        };
        resolve({ result: loadResult, latencies: sorted });
      },
    );
    // The typings omit the client argument autocannon passes first.
    (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

export interface RunOptions {
  warmupSeconds: number;
  seconds: number;
  /**
   * Run until this many responses instead of for `seconds`. For a server whose latency under 50
   * connections exceeds the window, a timed run would count almost nothing, and a timed warm-up
   * would leave requests it abandoned still running on the server when the measurement starts.
   */
  requests?: number;
  /** Seconds to wait at most for other processes to quiet down before the warm-up; 0 to start at once. */
  quietSeconds?: number;
}

type PlanSource = LoadPlan | (() => Promise<LoadPlan>);

const planFor = (plan: PlanSource): Promise<LoadPlan> => (typeof plan === 'function' ? plan() : Promise.resolve(plan));

/** Warm-up, then the measured run. A plan given as a function is built again for each run. */
export async function measureLoad(plan: PlanSource, options: RunOptions): Promise<LoadResult> {
  if (options.quietSeconds) await waitForQuiet(options.quietSeconds);
  if (options.warmupSeconds > 0) await once(await planFor(plan), { seconds: options.warmupSeconds });
  return (await once(await planFor(plan), options.requests !== undefined ? { requests: options.requests } : { seconds: options.seconds })).result;
}

/** Runs of one side as if they were one run: counts added, percentiles over every response, CPU per success over all. */
export function merged(runs: readonly Run[]): LoadResult {
  const sum = (pick: (result: LoadResult) => number) => runs.reduce((total, run) => total + pick(run.result), 0);
  const seconds = sum((r) => r.seconds);
  const successes = sum((r) => r.successes);
  const latencies = new Float64Array(runs.reduce((total, run) => total + run.latencies.length, 0));
  let offset = 0;
  for (const run of runs) {
    latencies.set(run.latencies, offset);
    offset += run.latencies.length;
  }
  latencies.sort();
  const weighted = (pick: (result: LoadResult) => number) => (seconds > 0 ? sum((r) => pick(r) * r.seconds) / seconds : 0);
  const perSuccess = (pick: (result: LoadResult) => number | undefined) =>
    runs.every((run) => pick(run.result) !== undefined) && successes > 0 ? sum((r) => (pick(r) as number) * r.successes) / successes : undefined;
  const serverCpuUs = perSuccess((r) => r.serverCpuUs);
  const redisCpuUs = perSuccess((r) => r.redisCpuUs);
  return {
    seconds,
    connections: runs[0]?.result.connections ?? 0,
    successes,
    failures: sum((r) => r.failures),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    throughput: seconds > 0 ? successes / seconds : 0,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: percentile(latencies, 1),
    backgroundCpu: weighted((r) => r.backgroundCpu),
    generatorCpu: weighted((r) => r.generatorCpu),
    ...(serverCpuUs !== undefined ? { serverCpuUs } : {}),
    ...(redisCpuUs !== undefined ? { redisCpuUs } : {}),
    roundThroughputs: runs.map((run) => run.result.throughput),
  };
}

export interface PairedResult {
  ours: LoadResult;
  baseline: LoadResult;
  /** Ours over the baseline's throughput in each round, in order. */
  roundRatios: number[];
}

/** Rounds a paired measurement is cut into: an even number, so each side goes first equally often. */
export const PAIRED_ROUNDS = 4;

/**
 * Our server and a baseline measured in alternation rather than one after the other. On a shared
 * machine the speed of the same server moved by a factor of two between runs a minute apart, so
 * two back-to-back windows compared the machine's moments as much as the servers. Both are warmed
 * up, then the time is cut into rounds, each running ours and the baseline for an equal share,
 * in the order ours-baseline, baseline-ours, ours-baseline, baseline-ours, so a steady drift of
 * the machine falls on both alike. Each side's runs are merged (throughput over the summed time, percentiles over every
 * response), and the ratio of each round is kept to show how steady the comparison was.
 */
export async function measurePaired(ours: PlanSource, baseline: PlanSource, options: RunOptions): Promise<PairedResult> {
  if (options.requests !== undefined) throw new Error('measurePaired cuts a time window into rounds; for a fixed count of requests use measureLoad');
  if (options.quietSeconds) await waitForQuiet(options.quietSeconds);
  if (options.warmupSeconds > 0) {
    await once(await planFor(ours), { seconds: options.warmupSeconds });
    await once(await planFor(baseline), { seconds: options.warmupSeconds });
  }
  const rounds = PAIRED_ROUNDS;
  const budget = { seconds: options.seconds / rounds };
  const oursRuns: Run[] = [];
  const baselineRuns: Run[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const isOurs of order) {
      const run = await once(await planFor(isOurs ? ours : baseline), budget);
      (isOurs ? oursRuns : baselineRuns).push(run);
    }
  }
  return {
    ours: merged(oursRuns),
    baseline: merged(baselineRuns),
    roundRatios: oursRuns.map((run, index) => run.result.throughput / (baselineRuns[index] as Run).result.throughput),
  };
}

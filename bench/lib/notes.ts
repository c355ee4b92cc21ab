/**
 * The footnotes of a load row: anything that makes its numbers less clean than they look.
 */

/** A load generator this busy (share of its one core) was the bottleneck of its run. */
const GENERATOR_BOUND = 0.9;

/** Failures, errors, timeouts, a busy machine and a saturated load generator, shown only when there were any. */
export function loadNotes(result: { failures: number; errors: number; timeouts: number; backgroundCpu?: number; generatorCpu?: number }, who = 'ours'): string[] {
  const parts = [
    result.failures > 0 ? `${result.failures} failed responses` : '',
    result.errors > 0 ? `${result.errors} connection errors` : '',
    result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
    (result.backgroundCpu ?? 0) >= 0.05 ? `other processes used ${Math.round((result.backgroundCpu ?? 0) * 100)}% of the machine's CPU during the run` : '',
    (result.generatorCpu ?? 0) >= GENERATOR_BOUND
      ? `the load generator used ${Math.round((result.generatorCpu ?? 0) * 100)}% of its one core, so it, not the server, set the pace: the server can answer more than this`
      : '',
  ].filter(Boolean);
  return parts.length > 0 ? [`${who}: ${parts.join(', ')}`] : [];
}

/** How a paired measurement was cut, and how steady its ratio was from round to round. */
export function roundNotes(roundRatios: readonly number[], seconds: number, baselineName: string): string[] {
  const each = seconds / roundRatios.length;
  return [
    `ours and ${baselineName} measured in ${roundRatios.length} alternating rounds of ${Number(each.toFixed(2))} s each; ` +
      `the ratio per round: ${roundRatios.map((ratio) => ratio.toFixed(2)).join(', ')}`,
  ];
}

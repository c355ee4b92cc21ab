/**
 * The footnotes of a load row: anything that makes its numbers less clean than they look.
 */

/** Failures, errors, timeouts and a busy machine, shown only when there were any. */
export function loadNotes(result: { failures: number; errors: number; timeouts: number; backgroundCpu?: number }, who = 'ours'): string[] {
  const parts = [
    result.failures > 0 ? `${result.failures} failed responses` : '',
    result.errors > 0 ? `${result.errors} connection errors` : '',
    result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
    (result.backgroundCpu ?? 0) >= 0.05 ? `other processes used ${Math.round((result.backgroundCpu ?? 0) * 100)}% of the machine's CPU during the run` : '',
  ].filter(Boolean);
  return parts.length > 0 ? [`${who}: ${parts.join(', ')}`] : [];
}

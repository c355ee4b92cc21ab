/**
 * The alert conditions, evaluated from the migration status: pure functions, so what fires is
 * decided in one place and is easy to test. Each condition has a key (what, and for which
 * collection) and is either active, with a message, or not.
 */
import type { MigrationStatus } from '../migration/status.js';

export interface AlertThresholds {
  /** Shadow-compare mismatch rate above which to alert (0 to 1). */
  mismatchRate: number;
  /** Comparisons needed before the rate means anything. */
  minCompared: number;
}

export interface ActiveCondition {
  key: string;
  condition: 'shadow-mismatch' | 'repair-queue' | 'dead-letter' | 'verify-drift';
  collection: string;
  severity: 'warning' | 'critical';
  message: string;
  details: Record<string, unknown>;
}

/** Shadow comparisons made recently (over the alert window), per collection. */
export type RecentComparisons = Record<string, { compared: number; mismatched: number }>;

export function activeConditions(status: MigrationStatus, previous: MigrationStatus | null, recent: RecentComparisons, thresholds: AlertThresholds): ActiveCondition[] {
  const active: ActiveCondition[] = [];
  for (const [collection, state] of Object.entries(status.collections)) {
    const { compared, mismatched } = recent[collection] ?? { compared: 0, mismatched: 0 };
    const mismatchRate = compared > 0 ? mismatched / compared : 0;
    if (compared >= thresholds.minCompared && mismatchRate > thresholds.mismatchRate) {
      active.push({
        key: `shadow-mismatch:${collection}`, condition: 'shadow-mismatch', collection, severity: 'warning',
        message: `${collection}: ${(mismatchRate * 100).toFixed(2)}% of recently compared reads differ between the stores (${mismatched} of ${compared}); run verify`,
        details: { compared, mismatched, mismatchRate },
      });
    }
    const queued = (state.repairQueue.redis ?? 0) + state.repairQueue.journal;
    const before = previous ? (previous.collections[collection as keyof typeof previous.collections]?.repairQueue.redis ?? 0) + (previous.collections[collection as keyof typeof previous.collections]?.repairQueue.journal ?? 0) : 0;
    if (queued > 0 && queued >= before) {
      active.push({
        key: `repair-queue:${collection}`, condition: 'repair-queue', collection, severity: 'warning',
        message: `${collection}: ${queued} writes reached only one store and wait in the repair queue; run repair once both stores answer`,
        details: { queued },
      });
    }
    if (state.deadLetters.count > 0) {
      active.push({
        key: `dead-letter:${collection}`, condition: 'dead-letter', collection, severity: 'critical',
        message: `${collection}: ${state.deadLetters.count} documents could not be copied and are in the dead-letter list`,
        details: { count: state.deadLetters.count, recent: state.deadLetters.recent.slice(0, 5) },
      });
    }
    if (state.lastVerify && !state.lastVerify.clean) {
      const { missing, extra, different } = state.lastVerify;
      active.push({
        key: `verify-drift:${collection}`, condition: 'verify-drift', collection, severity: 'critical',
        message: `${collection}: the last verify found ${missing} missing, ${extra} extra and ${different} different documents; run repair, then verify`,
        details: { missing, extra, different, checkedAt: state.lastVerify.checkedAt },
      });
    }
  }
  return active;
}

/**
 * Audit counters are kept as a flat map of named counters (a Redis hash, a JSON object), bumped
 * in the same step as the write they count, and shaped into AuditStats when read.
 */
import type { AuditEntry, AuditStats } from '../domain/audit.js';

export function counterFields(entry: Pick<AuditEntry, 'action' | 'source' | 'entityType'>): string[] {
  return ['total', `action:${entry.action}`, `source:${entry.source}`, `entity:${entry.entityType}`];
}

export function toAuditStats(counters: Record<string, string | number>): AuditStats {
  const stats: AuditStats = { total: 0, byAction: {}, bySource: {}, byEntityType: {}, lastActivity: null };
  for (const [field, raw] of Object.entries(counters)) {
    if (field === 'lastActivity') {
      stats.lastActivity = String(raw);
      continue;
    }
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    const [kind, name] = field.split(':', 2) as [string, string | undefined];
    if (kind === 'total') stats.total = value;
    else if (kind === 'action' && name) stats.byAction[name] = value;
    else if (kind === 'source' && name) stats.bySource[name] = value;
    else if (kind === 'entity' && name) stats.byEntityType[name] = value;
  }
  return stats;
}

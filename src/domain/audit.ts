/**
 * Audit entries, as the original logged them, but with the real field-level diff instead of
 * placeholders such as "previous_state".
 */
import { z } from 'zod';

export const AUDIT_ACTIONS = ['create', 'update', 'delete', 'read'] as const;
export const AUDIT_SOURCES = ['mcp', 'api', 'admin'] as const;
export const ENTITY_TYPES = ['project', 'resource', 'migration'] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditSource = (typeof AUDIT_SOURCES)[number];
export type EntityType = (typeof ENTITY_TYPES)[number];

export const fieldChangeSchema = z.object({
  field: z.string(),
  oldValue: z.unknown().optional(),
  newValue: z.unknown().optional(),
});
export type FieldChange = z.infer<typeof fieldChangeSchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  timestamp: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  entityType: z.enum(ENTITY_TYPES),
  entityId: z.string(),
  source: z.enum(AUDIT_SOURCES),
  changes: z.array(fieldChangeSchema),
  metadata: z.object({
    userAgent: z.string().optional(),
    clientId: z.string().optional(),
    ipAddress: z.string().optional(),
    checksum: z.string().optional(),
    version: z.number().int().optional(),
    opId: z.string().optional(),
    restoredFrom: z.number().int().optional(),
    forced: z.boolean().optional(),
    note: z.string().optional(),
  }),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** Who made a write: recorded in its audit entry and its history entry. */
export interface Actor {
  source: AuditSource;
  clientId?: string | undefined;
  userAgent?: string | undefined;
  ipAddress?: string | undefined;
}

export const auditStatsSchema = z.object({
  total: z.number().int(),
  byAction: z.record(z.string(), z.number().int()),
  bySource: z.record(z.string(), z.number().int()),
  byEntityType: z.record(z.string(), z.number().int()),
  lastActivity: z.string().nullable(),
});
export type AuditStats = z.infer<typeof auditStatsSchema>;

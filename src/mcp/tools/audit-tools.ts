/** get_audit_log and get_audit_stats, the original's two audit tools, now paged and filtered. */
import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_SOURCES, auditEntrySchema, auditStatsSchema, ENTITY_TYPES } from '../../domain/audit.js';
import { defineTool, READS, type ToolDefinition } from '../tool.js';
import { pageInfo } from '../outputs.js';

export function auditTools(): ToolDefinition[] {
  return [
    defineTool({
      name: 'get_audit_log',
      title: 'Read the audit log',
      description:
        'Lists who changed what and when, newest first: each entry has the action, the document, the source (mcp, api, admin), ' +
        'the client and the field-level changes. Filter by entityType, entityId, source, action and an ISO time range. Page with cursor.',
      access: 'read',
      annotations: READS,
      inputSchema: z.object({
        entityType: z.enum(ENTITY_TYPES).optional(),
        entityId: z.string().max(128).optional().describe('A document id'),
        source: z.enum(AUDIT_SOURCES).optional(),
        action: z.enum(AUDIT_ACTIONS).optional(),
        since: z.iso.datetime({ offset: true }).optional().describe('ISO 8601, inclusive'),
        until: z.iso.datetime({ offset: true }).optional().describe('ISO 8601, inclusive'),
        limit: z.number().int().min(1).max(50).optional().describe('Entries per page, default 20'),
        cursor: z.string().max(128).optional(),
      }),
      outputSchema: z.object({ entries: z.array(auditEntrySchema), nextCursor: pageInfo.nextCursor }),
      async run(args, { service }) {
        const page = await service.audit({ ...args, limit: args.limit ?? 20 });
        return { entries: page.items, nextCursor: page.nextCursor };
      },
    }),
    defineTool({
      name: 'get_audit_stats',
      title: 'Audit statistics',
      description: 'Counts of all recorded writes by action, source and entity type, and the time of the last one.',
      access: 'read',
      annotations: READS,
      inputSchema: z.object({}),
      outputSchema: auditStatsSchema,
      async run(_args, { service }) {
        return service.auditStats();
      },
    }),
  ];
}

/** get_history and restore_version: see what an edit changed, and undo it. */
import { z } from 'zod';
import { COLLECTIONS } from '../../domain/collections.js';
import { fieldChangeSchema } from '../../domain/audit.js';
import { idSchema } from '../../domain/ids.js';
import { defineTool, idempotencyKeyArg, READS, REWRITES, type ToolDefinition } from '../tool.js';
import { documentOutput } from '../outputs.js';

export function historyTools(): ToolDefinition[] {
  return [
    defineTool({
      name: 'get_history',
      title: 'Version history of a document',
      description:
        'Lists the previous versions of a project or resource, newest first: for each, when it was replaced, by whom (source, client) and which fields changed. ' +
        'Set includeDocuments to get each old version in full. Use restore_version to go back to one.',
      access: 'read',
      annotations: READS,
      inputSchema: z.object({
        collection: z.enum(COLLECTIONS),
        id: idSchema,
        limit: z.number().int().min(1).max(50).optional().describe('Default 10'),
        includeDocuments: z.boolean().optional(),
      }),
      outputSchema: z.object({
        versions: z.array(
          z.object({
            version: z.number().int(),
            replacedAt: z.string(),
            replacedBy: z.object({ version: z.number().int(), action: z.string(), source: z.string(), clientId: z.string().optional(), changes: z.array(fieldChangeSchema) }),
            document: documentOutput.optional(),
          }),
        ),
      }),
      async run(args, { service }) {
        const entries = await service.history(args.collection, args.id, args.limit ?? 10);
        return {
          versions: entries.map((entry) => ({
            version: entry.version,
            replacedAt: entry.replacedAt,
            replacedBy: { ...entry.replacedBy, clientId: entry.replacedBy.clientId ?? undefined },
            ...(args.includeDocuments ? { document: entry.document } : {}),
          })),
        };
      },
    }),
    defineTool({
      name: 'restore_version',
      title: 'Restore a previous version',
      description:
        'Puts back the content a project or resource had at an earlier version (from get_history), as a new version; it also brings back a deleted one. ' +
        'The current content stays in history, so a restore can itself be undone.',
      access: 'write',
      annotations: REWRITES,
      inputSchema: z.object({
        collection: z.enum(COLLECTIONS),
        id: idSchema,
        version: z.number().int().min(1).describe('The version to bring back, from get_history'),
        expectedVersion: z.number().int().min(1).optional().describe('The current version, to be sure nobody changed it meanwhile'),
        idempotencyKey: idempotencyKeyArg,
      }),
      outputSchema: z.object({ document: documentOutput, restoredFrom: z.number().int() }),
      async run(args, { service, actor }) {
        const outcome = await service.restore(args.collection, args.id, args.version, actor, { expectedVersion: args.expectedVersion, opId: args.idempotencyKey });
        return { document: outcome.doc as z.infer<typeof documentOutput>, restoredFrom: args.version };
      },
    }),
  ];
}

/** get_migration_status: where each collection is in the move from JSON files to Redis. */
import { z } from 'zod';
import { defineTool, READS, type ToolDefinition } from '../tool.js';

export function migrationTool(): ToolDefinition {
  return defineTool({
    name: 'get_migration_status',
    title: 'Migration status',
    description:
      'Shows, per collection, the migration stage (json, dual-write, shadow, live, rampdown, redis), the share of reads served by Redis, ' +
      'backfill progress, the last verify result, and the repair queue. Read-only; changing the stage is done by an operator.',
    access: 'read',
    annotations: READS,
    inputSchema: z.object({}),
    outputSchema: z.looseObject({ store: z.string() }),
    async run(_args, { migration }) {
      return (await migration.status()) as { store: string };
    },
  });
}

/**
 * list_*, get_*, create_*, update_* and delete_* for one collection. The five original names
 * (list_projects, get_project, update_project, and the same for resources) are kept exactly.
 */
import { z } from 'zod';
import { collectionInfo, type Collection, type Doc } from '../../domain/collections.js';
import { VersionConflictError } from '../../domain/errors.js';
import { STATUSES, tagSchema } from '../../domain/fields.js';
import { idSchema } from '../../domain/ids.js';
import { ADDS, defineTool, idempotencyKeyArg, READS, REPLACES, type ToolDefinition } from '../tool.js';
import { documentOutput, pageInfo, summaryOutput } from '../outputs.js';

export const MCP_MAX_PAGE = 50;

function summary(doc: Doc) {
  const { metadata } = doc;
  return { id: doc.id, title: doc.title, status: metadata.status, featured: metadata.featured, tags: doc.tags, version: metadata.version, updatedAt: metadata.updatedAt };
}

export function contentTools(collection: Collection): ToolDefinition[] {
  const info = collectionInfo[collection];
  const one = info.singular;
  const viewer = { canSeeUnpublished: true };
  const expectedVersion = z.number().int().min(1).describe(`metadata.version of the ${one} as you last read it; the write fails with a conflict if it changed since`);

  return [
    defineTool({
      name: `list_${collection}`,
      title: `List ${collection}`,
      description:
        `Lists ${collection}, newest first, ${MCP_MAX_PAGE} at most per call. Returns summaries (id, title, status, version) unless detail is "full". ` +
        `Filter by status (default: all statuses), featured or tag. When nextCursor is not null, call again with cursor=nextCursor for the next page.`,
      access: 'read',
      annotations: READS,
      inputSchema: z.object({
        status: z.enum([...STATUSES, 'any']).optional().describe('published, draft, archived, or any (default)'),
        featured: z.boolean().optional(),
        tag: tagSchema.optional().describe('Only items with this tag (case-insensitive)'),
        limit: z.number().int().min(1).max(MCP_MAX_PAGE).optional().describe(`Items per page, 1-${MCP_MAX_PAGE}, default 10`),
        cursor: z.string().max(512).optional().describe('nextCursor from the previous page'),
        detail: z.enum(['summary', 'full']).optional().describe('summary (default) or full documents'),
      }),
      outputSchema: z.object({ items: z.array(z.union([summaryOutput, documentOutput])), ...pageInfo }),
      async run(args, { service }) {
        const page = await service.list(collection, { status: args.status ?? 'any', featured: args.featured, tag: args.tag, limit: args.limit ?? 10, cursor: args.cursor }, viewer);
        return { items: args.detail === 'full' ? page.items : page.items.map(summary), total: page.total, nextCursor: page.nextCursor };
      },
    }),
    defineTool({
      name: `get_${one}`,
      title: `Get a ${one}`,
      description: `Gets one ${one} by id, with every field. Its metadata.version is what update_${one} and delete_${one} need as expectedVersion.`,
      access: 'read',
      annotations: READS,
      inputSchema: z.object({ id: idSchema.describe(`The ${one}'s id (a slug such as "ai-support-assistant")`) }),
      outputSchema: z.object({ [one]: documentOutput }),
      async run(args, { service }) {
        return { [one]: await service.get(collection, args.id, viewer) };
      },
      async runText(args, { service }) {
        return `{"${one}":${(await service.getRaw(collection, args.id, viewer)).json}}`;
      },
    }),
    defineTool({
      name: `create_${one}`,
      title: `Create a ${one}`,
      description:
        `Creates a ${one}. It starts as a draft unless metadata.status is "published"; the id is derived from the title unless given. ` +
        `Fails if the id exists; use update_${one} for that.`,
      access: 'write',
      annotations: ADDS,
      inputSchema: z.object({ [one]: info.createSchema, idempotencyKey: idempotencyKeyArg }) as z.ZodObject<{ idempotencyKey: typeof idempotencyKeyArg }>,
      outputSchema: z.object({ [one]: documentOutput, duplicate: z.boolean() }),
      async run(args, { service, actor }) {
        const outcome = await service.create(collection, (args as Record<string, unknown>)[one], actor, { opId: args.idempotencyKey });
        return { [one]: outcome.doc, duplicate: outcome.duplicate };
      },
    }),
    defineTool({
      name: `update_${one}`,
      title: `Update a ${one}`,
      description:
        `Changes some fields of a ${one}. Send only the fields to change in "changes": nested objects merge, arrays and text replace, null removes an optional field. ` +
        `Publish or unpublish with changes.metadata.status. Needs expectedVersion from get_${one}; on a conflict, read it again and retry. ` +
        `Every update is kept in history and can be undone with restore_version.`,
      access: 'write',
      annotations: REPLACES,
      inputSchema: z.object({ id: idSchema, expectedVersion, changes: info.patchSchema.describe('The fields to change, as a partial document'), idempotencyKey: idempotencyKeyArg }),
      outputSchema: z.object({ [one]: documentOutput, duplicate: z.boolean() }),
      async run(args, { service, actor }) {
        const outcome = await service.update(collection, args.id, args.changes, actor, { expectedVersion: args.expectedVersion, opId: args.idempotencyKey });
        return { [one]: outcome.doc, duplicate: outcome.duplicate };
      },
    }),
    defineTool({
      name: `delete_${one}`,
      title: `Delete a ${one}`,
      description:
        `Deletes a ${one}. Without confirm: true it only shows what would be deleted. The deleted version stays in history, ` +
        `so restore_version can bring it back. Needs expectedVersion from get_${one}.`,
      access: 'write',
      annotations: REPLACES,
      inputSchema: z.object({ id: idSchema, expectedVersion, confirm: z.boolean().optional().describe('Must be true to delete; otherwise this is a dry run'), idempotencyKey: idempotencyKeyArg }),
      outputSchema: z.object({ id: z.string(), deleted: z.boolean(), version: z.number().int(), preview: z.string().optional() }),
      async run(args, { service, actor }) {
        if (args.confirm !== true) {
          const doc = await service.get(collection, args.id, viewer);
          // The preview answers as the delete would: a stale version is a conflict now, not after the confirmation.
          if (args.expectedVersion !== doc.metadata.version) throw new VersionConflictError(args.id, args.expectedVersion, doc.metadata.version);
          return {
            id: args.id,
            deleted: false,
            version: doc.metadata.version,
            preview: `Would delete ${one} "${doc.title}" (${doc.metadata.status}, version ${doc.metadata.version}). Call ${`delete_${one}`} again with confirm: true to delete it.`,
          };
        }
        const outcome = await service.delete(collection, args.id, actor, { expectedVersion: args.expectedVersion, opId: args.idempotencyKey });
        return { id: args.id, deleted: true, version: outcome.version };
      },
    }),
  ];
}

/** search_content: find documents by words in their title, tags and text. */
import { z } from 'zod';
import { COLLECTIONS } from '../../domain/collections.js';
import { STATUSES } from '../../domain/fields.js';
import { searchContent } from '../../service/search.js';
import { defineTool, READS, type ToolDefinition } from '../tool.js';

export function searchTool(): ToolDefinition {
  return defineTool({
    name: 'search_content',
    title: 'Search content',
    description:
      'Finds projects and resources whose title, tags or text contain the words given, best matches first, with a snippet. ' +
      'Use it to find an id before get_project or get_resource. Each call scans a bounded number of documents; when nextCursor is not null, call again with it to search further.',
    access: 'read',
    annotations: READS,
    inputSchema: z.object({
      query: z.string().trim().min(1).max(200).describe('Words to look for, case-insensitive'),
      collection: z.enum([...COLLECTIONS, 'all']).optional().describe('projects, resources or all (default)'),
      status: z.enum([...STATUSES, 'any']).optional().describe('Default any'),
      limit: z.number().int().min(1).max(50).optional().describe('Default 10'),
      cursor: z.string().max(512).optional(),
    }),
    outputSchema: z.object({
      results: z.array(z.object({ collection: z.enum(COLLECTIONS), id: z.string(), title: z.string(), status: z.string(), score: z.number(), snippet: z.string() })),
      nextCursor: z.string().nullable(),
      scanned: z.number().int(),
    }),
    async run(args, { service }) {
      const collections = !args.collection || args.collection === 'all' ? [...COLLECTIONS] : [args.collection];
      const { hits, nextCursor, scanned } = await searchContent(service.store, {
        text: args.query,
        collections,
        status: args.status ?? 'any',
        limit: args.limit ?? 10,
        cursor: args.cursor,
      });
      return { results: hits, nextCursor, scanned };
    },
  });
}

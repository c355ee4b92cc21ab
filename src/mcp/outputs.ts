/**
 * Output schemas. Documents are described by their core fields and let the rest through, so a
 * legacy document with an extra field is still served, and the published JSON Schema still tells
 * an assistant what to expect.
 */
import { z } from 'zod';

export const documentOutput = z
  .looseObject({
    id: z.string(),
    title: z.string(),
    tags: z.array(z.string()),
    metadata: z.looseObject({
      status: z.string(),
      featured: z.boolean(),
      version: z.number().int(),
      createdAt: z.string(),
      updatedAt: z.string(),
      checksum: z.string(),
    }),
  })
  .describe('The whole document, with metadata.version to pass as expectedVersion when updating');

export const summaryOutput = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  featured: z.boolean(),
  tags: z.array(z.string()),
  version: z.number().int(),
  updatedAt: z.string(),
});

export const pageInfo = {
  total: z.number().int().nullable().describe('All matches across pages; null when counting would need a scan'),
  nextCursor: z.string().nullable().describe('Pass as cursor to get the next page; null on the last page'),
};

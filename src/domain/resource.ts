/** A downloadable resource (template, guide, tool) as the original site stored it, plus version and checksum. */
import { z } from 'zod';
import { idSchema } from './ids.js';
import { baseMetadataShape, linkSchema, longText, shortText, tagsSchema, writableMetadataShape } from './fields.js';

const contentShape = {
  title: shortText(200),
  description: z.string().max(2000),
  longDescription: longText(),
  image: linkSchema,
  tags: tagsSchema,
  price: z.union([z.number().min(0).max(1_000_000), z.string().max(40)]),
  downloadLink: linkSchema,
  gallery: z.array(linkSchema).max(30),
};

export const resourceSchema = z.strictObject({
  id: idSchema,
  ...contentShape,
  metadata: z.strictObject({ ...baseMetadataShape, downloadCount: z.number().int().min(0).optional() }),
});
export type Resource = z.infer<typeof resourceSchema>;

export const resourceCreateSchema = z.strictObject({
  id: idSchema.optional(),
  ...contentShape,
  metadata: z.strictObject(writableMetadataShape).optional(),
});

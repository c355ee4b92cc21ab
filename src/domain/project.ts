/** A portfolio project, field for field as the original site stored it, plus version and checksum. */
import { z } from 'zod';
import { idSchema } from './ids.js';
import { baseMetadataShape, linkSchema, longText, shortText, tagsSchema, writableMetadataShape } from './fields.js';

const contentShape = {
  title: shortText(200),
  result: z.string().max(500),
  tags: tagsSchema,
  image: linkSchema,
  client: z.strictObject({
    type: z.string().max(200),
    size: z.string().max(200),
    objective: z.string().max(2000),
  }),
  challenge: longText(),
  solution: z.strictObject({
    description: longText(),
    tools: z.array(z.string().trim().min(1).max(100)).max(50),
    features: z.array(z.string().trim().min(1).max(500)).max(50),
    videoUrl: linkSchema.optional(),
    screenshots: z.array(linkSchema).max(30),
    demoLink: linkSchema.optional(),
  }),
  description: longText(),
  testimonial: z.strictObject({
    text: z.string().max(5000),
    author: z.string().max(200),
    avatar: linkSchema,
  }),
  results: z.array(z.string().trim().min(1).max(500)).max(30),
  insight: z.strictObject({
    title: z.string().max(300),
    text: longText(5000),
    resourceLink: z.strictObject({ text: z.string().max(300), url: linkSchema }).optional(),
  }),
};

export const projectSchema = z.strictObject({
  id: idSchema,
  ...contentShape,
  metadata: z.strictObject(baseMetadataShape),
});
export type Project = z.infer<typeof projectSchema>;

/** The body of a create: the content, an optional id (else derived from the title), and the writable metadata. */
export const projectCreateSchema = z.strictObject({
  id: idSchema.optional(),
  ...contentShape,
  metadata: z.strictObject(writableMetadataShape).optional(),
});

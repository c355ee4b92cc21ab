/**
 * Field building blocks shared by the project and resource schemas. Limits are generous for a
 * portfolio site but bounded, so no single document can grow without limit.
 */
import { z } from 'zod';

export const STATUSES = ['published', 'draft', 'archived'] as const;
export const statusSchema = z.enum(STATUSES);
export type Status = z.infer<typeof statusSchema>;

export const shortText = (max = 300) => z.string().trim().min(1).max(max);
export const longText = (max = 20_000) => z.string().max(max);

/** An absolute http(s) URL or a site-relative path such as `/images/a.png`. */
export const linkSchema = z
  .string()
  .max(2048)
  .refine((value) => value === '' || value.startsWith('/') || /^https?:\/\/[^\s]+$/i.test(value), {
    message: 'a link is an http(s) URL or a path starting with "/"',
  });

/** Tags are shown to people and also name an index key, so their characters are restricted. */
export const tagSchema = z
  .string()
  .trim()
  .min(1)
  .max(48)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} .+#&/_-]*$/u, 'a tag is letters, digits, spaces and . + # & / _ -');

export const tagsSchema = z.array(tagSchema).max(20);

export const isoDate = z.iso.datetime({ offset: true });

/** Server-managed bookkeeping every document carries. */
export const baseMetadataShape = {
  createdAt: isoDate,
  updatedAt: isoDate,
  featured: z.boolean(),
  status: statusSchema,
  version: z.number().int().min(1),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
};

/** What a caller may set in metadata on create or update; the rest belongs to the server. */
export const writableMetadataShape = {
  featured: z.boolean().optional(),
  status: statusSchema.optional(),
};

/** Largest serialized document accepted, in bytes. */
export const MAX_DOCUMENT_BYTES = 128 * 1024;

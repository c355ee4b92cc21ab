/**
 * Ids are slugs. They end up inside Redis keys and file contents, so nothing that has not
 * passed these checks is ever used to build a key (DESIGN.md, invariant 6).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,127}$/;
export const OP_ID_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

export const idSchema = z
  .string()
  .regex(ID_PATTERN, 'an id is a slug: lowercase letters, digits and hyphens, starting with a letter or digit, at most 128 characters');

export const opIdSchema = z
  .string()
  .regex(OP_ID_PATTERN, 'an idempotency key is 8 to 128 characters of letters, digits, "_" or "-"');

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

export function newOpId(): string {
  return randomUUID();
}

/** Turns a title into an id candidate, for creates that do not name one. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 96)
    .replace(/-+$/g, '');
  return slug.length > 0 ? slug : 'item';
}

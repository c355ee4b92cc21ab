/**
 * The two collections and everything that differs between them, in one table, so the stores,
 * the service and the edges stay generic over "a collection".
 */
import { z } from 'zod';
import type { Status } from './fields.js';
import type { EntityType } from './audit.js';
import { patchSchemaOf } from './patch.js';
import { projectCreateSchema, projectSchema, type Project } from './project.js';
import { resourceCreateSchema, resourceSchema, type Resource } from './resource.js';

export const COLLECTIONS = ['projects', 'resources'] as const;
export type Collection = (typeof COLLECTIONS)[number];
export type Doc = Project | Resource;

/** What every create body has in common, whatever the collection. */
export type CreateBody = { id?: string; title: string; metadata?: { featured?: boolean; status?: Status } } & Record<string, unknown>;
type AnyObject = z.ZodObject<Record<string, z.ZodType>>;

function updateSchemaOf(create: AnyObject): AnyObject {
  return patchSchemaOf(create.omit({ id: true }) as AnyObject);
}

export const collectionInfo = {
  projects: {
    entityType: 'project' as EntityType,
    singular: 'project',
    schema: projectSchema as z.ZodType<Doc>,
    createSchema: projectCreateSchema as unknown as z.ZodType<CreateBody>,
    patchSchema: updateSchemaOf(projectCreateSchema as unknown as AnyObject),
  },
  resources: {
    entityType: 'resource' as EntityType,
    singular: 'resource',
    schema: resourceSchema as z.ZodType<Doc>,
    createSchema: resourceCreateSchema as unknown as z.ZodType<CreateBody>,
    patchSchema: updateSchemaOf(resourceCreateSchema as unknown as AnyObject),
  },
} as const;

export function isCollection(value: unknown): value is Collection {
  return value === 'projects' || value === 'resources';
}

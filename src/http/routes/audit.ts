/** GET /api/audit: audit entries, newest first, filtered and paged. Needs a token. */
import { Hono } from 'hono';
import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_SOURCES, ENTITY_TYPES } from '../../domain/audit.js';
import type { ContentService } from '../../service/content-service.js';
import { parseInput } from '../../service/validation.js';
import type { AppEnv } from '../app-env.js';
import { requireRole } from '../auth.js';
import { metaTimestamp, okBody } from '../envelope.js';

export const auditQuerySchema = z.object({
  entityType: z.enum(ENTITY_TYPES).optional(),
  entityId: z.string().max(128).optional(),
  source: z.enum(AUDIT_SOURCES).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(128).optional(),
});

export function auditRoutes(service: ContentService): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/', requireRole('read'), async (c) => {
    const query = parseInput(auditQuerySchema, c.req.query(), 'the query');
    const page = await service.audit(query);
    c.header('Cache-Control', 'private, no-store');
    return c.json(okBody(page.items, { timestamp: metaTimestamp(), requestId: c.get('requestId'), limit: query.limit, nextCursor: page.nextCursor }));
  });
  routes.get('/stats', requireRole('read'), async (c) => {
    c.header('Cache-Control', 'private, no-store');
    return c.json(okBody(await service.auditStats(), { timestamp: metaTimestamp(), requestId: c.get('requestId') }));
  });
  return routes;
}

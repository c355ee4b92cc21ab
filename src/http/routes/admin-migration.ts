/**
 * The admin API of the migration: GET /api/admin/migration for the status, and POST
 * /api/admin/migration/{backfill,verify,repair,advance,rollback,pause,resume} taking the CLI's
 * words as JSON, e.g. {"stage":"live","collection":"all","readPercent":50}. Long work runs in
 * the background (202, then visible in the status); stage changes answer when they took effect.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { COLLECTIONS } from '../../domain/collections.js';
import { ValidationError } from '../../domain/errors.js';
import type { MigrationEngine } from '../../migration/engine.js';
import type { JobRunner } from '../../migration/jobs.js';
import { stageSchema } from '../../migration/stages.js';
import { parseInput } from '../../service/validation.js';
import type { AppEnv } from '../app-env.js';
import { requireRole } from '../auth.js';
import { metaTimestamp, okBody } from '../envelope.js';
import { actorOf } from '../request-context.js';

const target = z.enum([...COLLECTIONS, 'all']).default('all');
const jobBody = z.strictObject({ collection: target, dryRun: z.boolean().optional(), restart: z.boolean().optional(), force: z.boolean().optional() });
const stageBody = z.strictObject({ stage: stageSchema, collection: target, readPercent: z.number().int().min(0).max(100).optional(), force: z.boolean().optional(), note: z.string().max(500).optional() });

/** The body as JSON; an empty body means all defaults. */
async function body(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError('the body is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }]);
  }
}

export function adminMigrationRoutes(engine: MigrationEngine, jobs: JobRunner): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.use(requireRole('write', 'the admin API'));
  const meta = (requestId: string) => ({ timestamp: metaTimestamp(), requestId });
  const status = async () => ({ ...(await engine.status()), jobs: jobs.list() });

  routes.get('/migration', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(okBody(await status(), meta(c.get('requestId'))));
  });

  for (const kind of ['backfill', 'verify', 'repair'] as const) {
    routes.post(`/migration/${kind}`, async (c) => {
      const options = parseInput(jobBody, await body(c), `the ${kind} request`);
      // Refuse at once, not in the background, when the stage forbids a backfill.
      if (kind === 'backfill' && !options.force) await engine.assertBackfillAllowed(options.collection);
      // Resumed after a pause, a job keeps its options but continues from its checkpoint.
      const job = jobs.start(kind, options.collection, (onProgress, resuming) => {
        const run = { ...options, ...(resuming && { restart: false }), onProgress };
        if (kind === 'backfill') return engine.backfill(options.collection, run);
        if (kind === 'verify') return engine.verify(options.collection, run);
        return engine.repair(options.collection, run);
      });
      return c.json(okBody({ job }, meta(c.get('requestId'))), 202);
    });
  }

  routes.post('/migration/advance', async (c) => {
    const change = parseInput(stageBody, await body(c), 'the advance request');
    await engine.advance({ ...change, actor: actorOf(c, 'admin') });
    return c.json(okBody(await status(), meta(c.get('requestId'))));
  });

  routes.post('/migration/rollback', async (c) => {
    const change = parseInput(stageBody, await body(c), 'the rollback request');
    await engine.rollback({ ...change, actor: actorOf(c, 'admin') });
    return c.json(okBody(await status(), meta(c.get('requestId'))));
  });

  routes.post('/migration/pause', async (c) => {
    await engine.pause(actorOf(c, 'admin'));
    return c.json(okBody(await status(), meta(c.get('requestId'))));
  });

  routes.post('/migration/resume', async (c) => {
    await engine.resume(actorOf(c, 'admin'));
    jobs.resumePaused();
    return c.json(okBody(await status(), meta(c.get('requestId'))));
  });

  return routes;
}

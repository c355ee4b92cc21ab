/**
 * /api/admin: the operator's API behind the read-write token and the Host/Origin check. The
 * migration routes exist where there is a migration (both stores configured); alerts always.
 */
import { Hono } from 'hono';
import type { AlertManager } from '../../alerts/alert-manager.js';
import type { MigrationEngine } from '../../migration/engine.js';
import type { JobRunner } from '../../migration/jobs.js';
import { MigrationGuardError } from '../../domain/errors.js';
import type { AppEnv } from '../app-env.js';
import { requireRole } from '../auth.js';
import { metaTimestamp, okBody } from '../envelope.js';
import { adminMigrationRoutes } from './admin-migration.js';

export interface AdminDeps {
  engine: MigrationEngine | null;
  jobs: JobRunner;
  alerts: AlertManager;
}

export function adminRoutes(deps: AdminDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.use(requireRole('write', 'the admin API'));
  routes.get('/alerts', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(okBody({ firing: deps.alerts.firing(), recent: deps.alerts.recent() }, { timestamp: metaTimestamp(), requestId: c.get('requestId') }));
  });
  if (deps.engine) routes.route('/', adminMigrationRoutes(deps.engine, deps.jobs));
  else {
    const none = () => {
      throw new MigrationGuardError('there is no migration here: it needs both Redis and the JSON files (projects.json, resources.json) in CONTENTKV_DATA_DIR');
    };
    routes.all('/migration', none);
    routes.all('/migration/*', none);
  }
  return routes;
}

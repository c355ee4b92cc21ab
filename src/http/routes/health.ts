/**
 * GET /api/health: readiness (the stores answer, with latency, circuit state and migration
 * stage), 200 while content can be served and 503 when it cannot. `?probe=live` is liveness
 * only: it touches nothing and answers 200 while the process runs.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';

export interface HealthCheck {
  name: string;
  ok: boolean;
  latencyMs?: number | undefined;
  detail?: string | undefined;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  store: string;
  checks: HealthCheck[];
  reasons: string[];
  [extra: string]: unknown;
}

export type HealthReporter = () => Promise<HealthReport>;

export function healthRoutes(report: HealthReporter): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    c.header('Cache-Control', 'no-store');
    if (c.req.query('probe') === 'live') return c.json({ status: 'alive' });
    const health = await report();
    return c.json(health, health.status === 'down' ? 503 : 200);
  });
  return routes;
}

/** GET /metrics: Prometheus text. Needs a token unless the operator made it public. */
import { Hono } from 'hono';
import type { Metrics } from '../../observability/metrics.js';
import type { AppEnv } from '../app-env.js';
import { assertRole } from '../auth.js';

export function metricsRoutes(metrics: Metrics, options: { public: boolean }): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    if (!options.public) assertRole(c.get('role'), 'read');
    c.header('Content-Type', metrics.registry.contentType);
    c.header('Cache-Control', 'no-store');
    return c.body(await metrics.registry.metrics());
  });
  return routes;
}

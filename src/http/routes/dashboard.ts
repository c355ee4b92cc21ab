/**
 * GET /admin: the operator dashboard, plain files (no build step, no CDN) read once from
 * src/http/dashboard (dist/http/dashboard once built). The page itself needs no token; it asks
 * for one and calls the admin API with it. A strict Content-Security-Policy keeps it to its own
 * scripts and this origin.
 */
import { Hono, type Context } from 'hono';
import { readAsset } from '../../assets.js';
import type { AppEnv } from '../app-env.js';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export function dashboardRoutes(): Hono<AppEnv> {
  const contents = new Map<string, string>();
  for (const name of Object.keys(FILES)) {
    try {
      contents.set(name, readAsset(`http/dashboard/${name}`));
    } catch {
      // A missing asset answers 404 below rather than failing the whole server.
    }
  }
  const routes = new Hono<AppEnv>();
  const serve = (name: string) => (c: Context<AppEnv>) => {
    const body = contents.get(name);
    if (body === undefined) return c.text('not found', 404);
    return c.body(body, 200, { 'Content-Type': FILES[name] as string, ...SECURITY_HEADERS });
  };
  routes.get('/', serve('index.html'));
  routes.get('/app.js', serve('app.js'));
  routes.get('/style.css', serve('style.css'));
  return routes;
}

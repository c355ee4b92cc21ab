/**
 * The one Hono app: REST, MCP, health, metrics, audit and (when given) the admin API and the
 * dashboard. It is a plain fetch handler, so the same app runs on Node (@hono/node-server) and
 * on serverless platforms (api/index.js for Vercel).
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { ContentKvError, PayloadTooLargeError } from '../domain/errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { ContentService } from '../service/content-service.js';
import type { AppEnv, Role } from './app-env.js';
import { assertRole, type Tokens } from './auth.js';
import { errorResponse } from './error-response.js';
import { allowedHostnames, hostCheck } from './host-check.js';
import type { IncomingMessage } from 'node:http';
import { fromNode, fromWebRequest, type McpIncoming } from '../mcp/incoming.js';
import { LastGood } from './last-good.js';
import { requestPipeline } from './request-pipeline.js';
import { auditRoutes } from './routes/audit.js';
import { contentRoutes } from './routes/content.js';
import { healthRoutes, type HealthReporter } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';

/** Serves one MCP request for a caller whose role is known. */
export type McpEndpoint = (incoming: McpIncoming, role: Exclude<Role, 'anonymous'>) => Promise<Response>;

export interface AppOptions {
  service: ContentService;
  tokens: Tokens;
  logger: Logger;
  metrics: Metrics;
  health: HealthReporter;
  /** Host names, besides localhost, accepted in Host and Origin by the MCP and admin endpoints. */
  allowedHosts?: readonly string[];
  metricsPublic?: boolean;
  /** Proxy hops whose X-Forwarded-For entries name the client (CONTENTKV_TRUST_PROXY); 0: the socket's peer. */
  trustProxy?: number;
  mcp?: McpEndpoint;
  /** Extra routes mounted under /api/admin (the migration API), behind the write token. */
  admin?: Hono<AppEnv>;
  /** Routes for the operator dashboard, mounted at /admin. */
  dashboard?: Hono<AppEnv>;
}

/** REST and admin request bodies (MCP has its own limit, see http-endpoint.ts). */
const BODY_LIMIT_BYTES = 256 * 1024;
/** Seconds a CDN may keep an anonymous GET response (s-maxage). */
const CDN_SECONDS = 5;

export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const hosts = allowedHostnames(options.allowedHosts ?? []);

  app.use(requestPipeline({ logger: options.logger, metrics: options.metrics, tokens: options.tokens, trustProxy: options.trustProxy }));
  app.onError((error, c) => errorResponse(error, c));
  app.notFound((c) => errorResponse(new ContentKvError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), c));
  // Only where a body is read: on a GET the check would build a web Request for nothing.
  const limitBody = bodyLimit({
    maxSize: BODY_LIMIT_BYTES,
    onError: () => {
      throw new PayloadTooLargeError(BODY_LIMIT_BYTES);
    },
  });
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], ['/api/projects/*', '/api/projects', '/api/resources/*', '/api/resources', '/api/admin/*'], limitBody);

  const lastGood = new LastGood<unknown>();
  app.route('/api/projects', contentRoutes('projects', { service: options.service, cacheSeconds: CDN_SECONDS, lastGood }));
  app.route('/api/resources', contentRoutes('resources', { service: options.service, cacheSeconds: CDN_SECONDS, lastGood }));
  app.route('/api/audit', auditRoutes(options.service));
  app.route('/api/health', healthRoutes(options.health));
  app.route('/metrics', metricsRoutes(options.metrics, { public: options.metricsPublic ?? false }));

  if (options.mcp) {
    const mcp = options.mcp;
    const serve: MiddlewareHandler<AppEnv> = async (c) => {
      const role = c.get('role');
      assertRole(role, 'read');
      const node = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      const incoming = node ? fromNode(node, () => c.req.raw) : fromWebRequest(c.req.raw);
      return mcp(incoming, role as Exclude<Role, 'anonymous'>);
    };
    for (const path of ['/api/mcp', '/mcp']) app.all(path, hostCheck(hosts), serve);
  }
  if (options.admin) app.route('/api/admin', new Hono<AppEnv>().use(hostCheck(hosts)).route('/', options.admin));
  if (options.dashboard) {
    // '/admin/' as many type or bookmark it; the routes below match '/admin' only.
    app.get('/admin/', (c) => c.redirect('/admin', 301));
    app.route('/admin', options.dashboard);
  }
  return app;
}


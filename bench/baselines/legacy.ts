/**
 * Baseline "legacy": the original site's read path. Content lived in projects.json in the
 * repository, and every request read the file from disk, parsed all of it and picked one
 * project, as the original's Next.js route did (`JSON.parse(await fs.readFile(...))` per call, no
 * cache). The file holds the same 10,000 synthetic projects our server reads from Redis, so the
 * ratio is the cost of that approach at the seed's 10x growth.
 *
 * Run as compiled JavaScript; PORT and LEGACY_PROJECTS_FILE come from the environment.
 */
import { readFile } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

interface LegacyProject {
  id: string;
  [field: string]: unknown;
}

const file = process.env.LEGACY_PROJECTS_FILE;
if (!file) throw new Error('LEGACY_PROJECTS_FILE must name the projects.json to serve');

const app = new Hono();

app.get('/api/health', (c) => c.json({ status: 'ok' }));
app.get('/api/projects/:id', async (c) => {
  const projects = JSON.parse(await readFile(file, 'utf8')) as LegacyProject[];
  const project = projects.find((candidate) => candidate.id === c.req.param('id'));
  if (!project) return c.json({ success: false, error: { code: 'NOT_FOUND', message: 'Project not found' } }, 404);
  return c.json({ success: true, data: project, meta: { timestamp: new Date().toISOString() } });
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' });
// Exit cleanly on SIGTERM, as our server does, so `--profile` gets the baseline's CPU profile too.
process.once('SIGTERM', () => process.exit(0));

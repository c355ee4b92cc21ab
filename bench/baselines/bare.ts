/**
 * Baseline "bare": the framework's floor. A Hono handler on @hono/node-server answering every
 * benchmarked path with one constant 2 KB JSON body held in memory: no store, no validation, no
 * auth. What our server does beyond this is what the ratio to it measures, and its cold start is
 * the floor of starting any Hono app in Node.
 *
 * Run as compiled JavaScript (bench/lib/baseline-build.ts); PORT comes from the environment.
 */
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';

/** 2 KB, the size of one document; BARE_BODY_BYTES only for the page-sized reference of rest-list. */
const BODY_BYTES = Number(process.env.BARE_BODY_BYTES ?? 2048);

/** An envelope like ours, padded to exactly BODY_BYTES of JSON. */
function constantBody(): string {
  const shell = { success: true, data: { id: 'project-000000', title: 'Constant document', description: '' } };
  const padding = BODY_BYTES - Buffer.byteLength(JSON.stringify(shell));
  shell.data.description = 'x'.repeat(Math.max(0, padding));
  return JSON.stringify(shell);
}

/**
 * BARE_WORK_US only for the reference of rest-get: microseconds of CPU time spent on each request
 * before answering, to show what a given amount of work per request costs here.
 */
const WORK_US = Number(process.env.BARE_WORK_US ?? 0);

/** Spins until this process has used that much more CPU time (not wall time: a spinner taken off the CPU would count time it did not use). */
function busy(microseconds: number): void {
  const used = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const end = used() + microseconds;
  while (used() < end);
}

const body = constantBody();
const headers = { 'Content-Type': 'application/json' };
const app = new Hono();
// Without BARE_WORK_US the handler is the plain one, not one that checks for work to do.
const answer = WORK_US > 0 ? (c: Context) => (busy(WORK_US), c.body(body, 200, headers)) : (c: Context) => c.body(body, 200, headers);

app.get('/api/health', (c) => c.json({ status: 'ok' }));
app.get('/api/projects', answer);
app.get('/api/projects/:id', answer);

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' });
// Exit cleanly on SIGTERM, as our server does, so `--profile` gets the baseline's CPU profile too.
process.once('SIGTERM', () => process.exit(0));

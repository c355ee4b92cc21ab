/**
 * The app as a serverless platform runs it: built from the environment on a cold start, with no
 * process to print a generated token to. Without CONTENTKV_TOKEN the deployment reads only, and
 * says so in its logs, rather than accepting a token nobody was told. There is no socket either:
 * the client's address is the one the platform's edge put in X-Forwarded-For (Vercel overwrites
 * whatever the client sent), so one proxy hop is trusted unless CONTENTKV_TRUST_PROXY says otherwise.
 */
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { loadConfig, type Env } from '../config/config.js';
import type { AppEnv } from '../http/app-env.js';
import { createLogger } from '../observability/logger.js';
import { createRuntime } from './runtime.js';

export async function createServerlessApp(env: Env = process.env): Promise<Hono<AppEnv>> {
  const config = loadConfig(env, process.cwd(), { trustProxy: 1 });
  const logger = createLogger(config.logLevel);
  if (!config.token) logger.warn('CONTENTKV_TOKEN is not set: this deployment refuses every write until it is');
  const writeToken = config.token ?? randomBytes(32).toString('hex');
  const runtime = await createRuntime({ config, logger, writeToken });
  return runtime.app;
}

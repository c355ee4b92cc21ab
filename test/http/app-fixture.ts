/** An app over a fresh copy of the sample content, called in-process with app.request(). */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type AppOptions } from '../../src/http/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import type { ContentStore } from '../../src/store/port.js';

export const WRITE_TOKEN = 'test-write-token-0123456789abcdef';
export const READ_TOKEN = 'test-read-token-0123456789abcdef';

export function sampleDataDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ckv-http-'));
  cpSync('data/projects.json', join(dir, 'projects.json'));
  cpSync('data/resources.json', join(dir, 'resources.json'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Log lines the app wrote, to check that nothing secret is ever logged. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
}

export async function makeApp(overrides: Partial<AppOptions> & { store?: ContentStore } = {}) {
  const data = sampleDataDir();
  const store = overrides.store ?? new JsonStore({ dir: data.dir });
  await store.open();
  const service = new ContentService({ store });
  const logs = new LogCapture();
  const app = createApp({
    service,
    tokens: { write: WRITE_TOKEN, read: READ_TOKEN },
    logger: createLogger('debug', logs),
    metrics: new Metrics({ defaultMetrics: false }),
    health: async () => ({ status: 'ok', store: store.kind, checks: [], reasons: [] }),
    ...overrides,
  });
  return { app, store, service, logs, dir: data.dir, cleanup: data.cleanup };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const json = { 'Content-Type': 'application/json' };

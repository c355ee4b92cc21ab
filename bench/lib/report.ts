/**
 * The JSON twin of the printed table, for CI and for comparing runs: the machine, the run's
 * settings, and every row with its raw measurements (autocannon counts, latency percentiles,
 * spawn times, round-trip counts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CodeVersion } from './code-version.js';
import type { Machine } from './machine.js';
import { summarize, type Row } from './table.js';

export interface Report {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  connections: number;
  timing: { warmupSeconds: number; seconds: number };
  machine: Machine;
  code: CodeVersion & { measuredFrom: string };
  warnings: string[];
  rows: Row[];
}

export function writeReport(path: string, report: Report): string {
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify({ ...report, summary: summarize(report.rows) }, null, 2)}\n`);
  return target;
}

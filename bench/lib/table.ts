/**
 * The result table: one row per scenario, one line per target. A row holds what was measured
 * for our server, and each check names its baseline (measured in the same run), the ratio or
 * value, the target and PASS/FAIL. A scenario that could not be measured says why instead of
 * showing a number; nothing here is ever filled in by hand.
 */
import type { LoadResult } from './load.js';

/** What one system did in one scenario. */
export interface Figures {
  /** Operations per second and what an operation is (req/s, calls/s, updates/s, docs/s). */
  rate?: number;
  rateUnit?: string;
  p50?: number;
  p99?: number;
  /** Server CPU time per operation, microseconds: steadier than throughput on a shared machine. */
  cpuUs?: number;
  /** Redis CPU time per operation, microseconds, where the scenario reports it (writes). */
  redisCpuUs?: number;
  /** A single value where a rate means nothing (cold start ms, RSS MB, round trips). */
  value?: number;
  valueUnit?: string;
  /** The raw measurement, kept for the JSON. */
  raw?: unknown;
}

/** ERROR: the scenario crashed; its message is in the row's notes. */
export type Verdict = 'PASS' | 'FAIL' | 'NOT MEASURED' | 'ERROR';

export interface Check {
  target: string;
  /** The measured value the target is about, formatted (a ratio, a p99, a count). */
  measured: string;
  verdict: Verdict;
  baseline?: { name: string; figures: Figures };
}

export interface Row {
  scenario: string;
  title: string;
  ours: Figures | null;
  checks: Check[];
  notes: string[];
}

export function fromLoad(result: LoadResult, rateUnit = 'req/s'): Figures {
  return {
    rate: result.throughput,
    rateUnit,
    p50: result.p50,
    p99: result.p99,
    ...(result.serverCpuUs !== undefined ? { cpuUs: result.serverCpuUs } : {}),
    ...(result.redisCpuUs !== undefined ? { redisCpuUs: result.redisCpuUs } : {}),
    raw: result,
  };
}

export function ratioAtLeast(what: string, ours: number, baselineName: string, baseline: Figures, base: number, factor: number): Check {
  const ratio = ours / base;
  return {
    target: `≥ ${factor} × ${baselineName} ${what}`,
    measured: `${formatRatio(ratio)}×`,
    verdict: Number.isFinite(ratio) && ratio >= factor ? 'PASS' : 'FAIL',
    baseline: { name: baselineName, figures: baseline },
  };
}

export function atMost(what: string, value: number, limit: number, unit: string, baseline?: { name: string; figures: Figures }): Check {
  return {
    target: `${what} ≤ ${limit}${withUnit(unit)}`,
    measured: `${formatNumber(value)}${withUnit(unit)}`,
    verdict: Number.isFinite(value) && value <= limit ? 'PASS' : 'FAIL',
    ...(baseline ? { baseline } : {}),
  };
}

function withUnit(unit: string): string {
  return unit === '' || unit === '×' ? unit : ` ${unit}`;
}

export function notMeasured(target: string, reason: string, baseline?: { name: string; figures: Figures }): Check {
  return { target, measured: reason, verdict: 'NOT MEASURED', ...(baseline ? { baseline } : {}) };
}

export function failedRow(scenario: string, title: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);
  return { scenario, title, ours: null, checks: [{ target: '(scenario did not complete)', measured: '', verdict: 'ERROR' }], notes: [`error: ${message.split('\n').slice(0, 6).join(' / ')}`] };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1000) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

export function formatFigures(figures: Figures | null | undefined): string {
  if (!figures) return '';
  const parts: string[] = [];
  if (figures.rate !== undefined) parts.push(`${formatNumber(figures.rate)} ${figures.rateUnit ?? ''}`.trim());
  if (figures.p50 !== undefined) parts.push(`p50 ${formatNumber(figures.p50)}`);
  if (figures.p99 !== undefined) parts.push(`p99 ${formatNumber(figures.p99)} ms`);
  if (figures.cpuUs !== undefined) parts.push(`cpu ${formatNumber(figures.cpuUs)} µs`);
  if (figures.redisCpuUs !== undefined) parts.push(`redis ${formatNumber(figures.redisCpuUs)} µs`);
  if (figures.value !== undefined) parts.push(`${formatNumber(figures.value)} ${figures.valueUnit ?? ''}`.trim());
  return parts.join('  ');
}

const WIDTHS = { title: 48, ours: 50, baseline: 62, measured: 10, target: 36 };

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function renderTable(rows: readonly Row[]): string {
  const header = [
    pad('Scenario', WIDTHS.title),
    pad('Ours', WIDTHS.ours),
    pad('Baseline (same run)', WIDTHS.baseline),
    pad('Measured', WIDTHS.measured),
    pad('Target', WIDTHS.target),
    'Result',
  ].join(' | ');
  const lines = [header, '-'.repeat(header.length + 6)];
  for (const row of rows) {
    const checks = row.checks.length > 0 ? row.checks : [null];
    checks.forEach((check, index) => {
      const baseline = check?.baseline ? `${check.baseline.name}: ${formatFigures(check.baseline.figures)}` : '';
      lines.push(
        [
          pad(index === 0 ? row.title : '', WIDTHS.title),
          pad(index === 0 ? formatFigures(row.ours) : '', WIDTHS.ours),
          pad(baseline, WIDTHS.baseline),
          pad(check?.verdict === 'NOT MEASURED' ? '' : (check?.measured ?? ''), WIDTHS.measured),
          pad(check?.target ?? '', WIDTHS.target),
          check ? (check.verdict === 'NOT MEASURED' ? `NOT MEASURED: ${check.measured}` : check.verdict) : '',
        ].join(' | ').trimEnd(),
      );
    });
    for (const note of row.notes) lines.push(`${' '.repeat(WIDTHS.title)}   note: ${note}`);
  }
  return lines.join('\n');
}

export function summarize(rows: readonly Row[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { PASS: 0, FAIL: 0, 'NOT MEASURED': 0, ERROR: 0 };
  for (const row of rows) for (const check of row.checks) counts[check.verdict] += 1;
  return counts;
}

/**
 * Shows long work: a progress bar with rate and ETA on a terminal (cli-progress), plain lines
 * every few seconds otherwise (CI logs, pipes), and nothing with --json, whose output is the
 * final result alone.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { JobProgress, ProgressListener } from '../migration/progress.js';

export interface Reporter {
  listener: ProgressListener;
  stop(): void;
}

function counts(progress: JobProgress): string {
  return Object.entries(progress.counts).map(([name, value]) => `${name} ${value}`).join(', ');
}

export function progressReporter(mode: { json: boolean; stream?: NodeJS.WriteStream }): Reporter {
  const stream = mode.stream ?? process.stderr;
  if (mode.json) return { listener: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bars = new Map<string, SingleBar>();
    return {
      listener(progress) {
        const key = `${progress.job}:${progress.collection}`;
        let bar = bars.get(key);
        if (!bar) {
          bar = new SingleBar(
            { format: `${progress.job} ${progress.collection.padEnd(9)} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted} | {counts}`, stream, hideCursor: true, etaBuffer: 20 },
            Presets.shades_classic,
          );
          bar.start(Math.max(progress.total, 1), 0, { rate: 0, counts: '' });
          bars.set(key, bar);
        }
        bar.setTotal(Math.max(progress.total, progress.processed, 1));
        bar.update(progress.processed, { rate: progress.ratePerSecond, counts: counts(progress) });
        if (progress.status !== 'running') bar.stop();
      },
      stop() {
        for (const bar of bars.values()) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    listener(progress) {
      const now = Date.now();
      if (progress.status === 'running' && now - last < 2_000) return;
      last = now;
      const percent = progress.total > 0 ? Math.floor((progress.processed / progress.total) * 100) : 100;
      const eta = progress.etaSeconds === null ? '' : `, ETA ${progress.etaSeconds} s`;
      stream.write(`${progress.job} ${progress.collection}: ${progress.status} ${progress.processed}/${progress.total} (${percent}%), ${progress.ratePerSecond}/s${eta}; ${counts(progress)}\n`);
    },
    stop: () => undefined,
  };
}

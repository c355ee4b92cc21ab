/**
 * How much CPU processes outside this benchmark used while a load ran. This machine is shared
 * (others run builds and tests on it), and on 2 cores a busy neighbour lowers every number;
 * ratios partly cancel it out, but a row measured beside one should say so. Computed from
 * /proc: the machine's busy time minus the time of this process and all its descendants
 * (servers, redis-server, redis-cli) over the same interval.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface Snapshot {
  busy: number;
  total: number;
  ours: number;
}

function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** utime + stime (+ reaped children) of this process and every descendant, in ticks. */
function treeTicks(root: number): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
    } catch {
      // exited while listing
    }
  }
  let sum = 0;
  for (const [pid, value] of ticks) {
    for (let current: number | undefined = pid; current !== undefined && current > 1; current = parents.get(current)) {
      if (current === root) {
        sum += value;
        break;
      }
    }
  }
  return sum;
}

/** CPU time (user + system) one process has used so far, in ms; null once it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux the bench runs on (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

function snapshot(): Snapshot {
  return { ...machineTicks(), ours: treeTicks(process.pid) };
}

export interface BackgroundMeter {
  /** Share of the whole machine (all cores) used by other processes since start, 0 to 1. */
  stop(): number;
}

export function meterBackground(): BackgroundMeter {
  const start = snapshot();
  return {
    stop() {
      const end = snapshot();
      const total = end.total - start.total;
      if (total <= 0) return 0;
      return Math.max(0, end.busy - start.busy - (end.ours - start.ours)) / total;
    },
  };
}

/**
 * Waits, up to `maxSeconds`, for a second in which other processes use less than `threshold` of
 * the machine, so a load does not start in the middle of someone else's build. Returns the share
 * seen in the last second waited; the run goes on either way, and its row reports the share.
 */
export async function waitForQuiet(maxSeconds: number, threshold = 0.1): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const meter = meterBackground();
    await sleep(1000);
    const share = meter.stop();
    if (share < threshold || Date.now() >= deadline) return share;
  }
}

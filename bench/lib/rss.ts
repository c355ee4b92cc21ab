/**
 * Samples a process's resident memory from /proc/<pid>/status while a load runs. RSS, not the
 * V8 heap, because RSS is what a container's memory limit counts (heap, buffers and native
 * allocations of the HTTP and Redis clients together).
 */
import { readFileSync } from 'node:fs';

export function rssMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface RssSampler {
  /** Stops sampling; the largest and last values seen, in MB. */
  stop(): { maxMb: number; samples: number };
}

export function sampleRss(pid: number, everyMs = 100): RssSampler {
  let maxMb = rssMb(pid) ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const value = rssMb(pid);
    if (value === null) return;
    samples += 1;
    if (value > maxMb) maxMb = value;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const last = rssMb(pid);
      if (last !== null && last > maxMb) maxMb = last;
      return { maxMb, samples };
    },
  };
}

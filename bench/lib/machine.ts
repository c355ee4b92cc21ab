/**
 * The machine line printed above the table. Ratios are only comparable between runs on the same
 * kind of machine, so the run records what it ran on, including the load average at the start:
 * anything else busy on a 2-core box shows up in every number.
 */
import { cpus, loadavg } from 'node:os';
import { redisCommand } from '../../test/support/redis-server.js';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  redis: string;
  loadAverage: number[];
}

export async function describeMachine(redis: { host: string; port: number }): Promise<Machine> {
  const info = String(await redisCommand(redis, ['INFO', 'server']));
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export function machineLine(machine: Machine): string {
  return `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Redis ${machine.redis}, load average at start ${machine.loadAverage.join(' ')}`;
}

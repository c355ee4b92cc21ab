/**
 * Which code a run measured: the commit, and whether src/ had uncommitted changes when it was
 * built. Other people commit while benchmarks run, so a table without this cannot be traced back.
 */
import { spawnSync } from 'node:child_process';

export interface CodeVersion {
  commit: string;
  uncommittedInSrc: number;
}

export function codeVersion(root: string): CodeVersion {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  const status = git('status', '--porcelain', '--', 'src');
  return {
    commit: head.status === 0 ? head.stdout.trim() : 'unknown',
    uncommittedInSrc: status.status === 0 ? status.stdout.split('\n').filter(Boolean).length : 0,
  };
}

export function codeLine(version: CodeVersion, measured: string): string {
  const changes = version.uncommittedInSrc > 0 ? ` + ${version.uncommittedInSrc} uncommitted files in src/` : '';
  return `code: ${version.commit}${changes}, measured from ${measured}`;
}

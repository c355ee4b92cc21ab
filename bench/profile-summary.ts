/**
 * Summarizes a V8 .cpuprofile written by `npm run bench -- --profile <dir>` (or any
 * `node --cpu-prof` run): where the time went, by package and by function, self and total. This
 * is the evidence behind a missed target, in a form that fits in a report.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--match <text>]
 *
 * --match keeps only functions whose name or location contains the text (e.g. "zod").
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (url === '') return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] as string;
  // node:internal is most of the time in some runs; its first two path parts say which part.
  if (url.startsWith('node:')) return url.split('/').slice(0, 3).join('/').replace(/\.js$/, '');
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `contentkv ${dist[1]}`;
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args[0];
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--match text]');
  const top = Number(args[args.indexOf('--top') + 1] ?? 25) || 25;
  const match = args.includes('--match') ? (args[args.indexOf('--match') + 1] ?? '') : '';
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Builtins (JSON.parse, writev) have no location: charge them to the nearest caller that has one.
  const nearestPackage = (id: number): string => {
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const url = byId.get(current)?.callFrame.url ?? '';
      if (url !== '') return where(url);
    }
    return '(native)';
  };
  const byNearest = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const totalByFn = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    total += ms;
    selfByFn.set(label(node), (selfByFn.get(label(node)) ?? 0) + ms);
    const pkg = ['(idle)', '(program)', '(garbage collector)'].includes(node.callFrame.functionName) ? node.callFrame.functionName : where(node.callFrame.url);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + ms);
    const special = ['(idle)', '(program)', '(garbage collector)'].includes(node.callFrame.functionName);
    const near = special ? node.callFrame.functionName : nearestPackage(id);
    byNearest.set(near, (byNearest.get(near) ?? 0) + ms);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const name = label(byId.get(current) as ProfileNode);
      if (seen.has(name)) continue;
      seen.add(name);
      totalByFn.set(name, (totalByFn.get(name) ?? 0) + ms);
    }
  });
  const idle = selfByFn.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const print = (title: string, entries: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    [...entries]
      .filter(([name]) => name !== '(idle)' && name !== '(root)' && (!match || name.includes(match)))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .forEach(([name, ms]) => process.stdout.write(`${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`));
  };
  process.stdout.write(`${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (percentages are of busy time)\n`);
  print('self time by package', selfByPackage);
  print('self time by package, builtins charged to their caller', byNearest);
  print('self time by function', selfByFn);
  print('total time by function (including callees)', totalByFn);
}

main();

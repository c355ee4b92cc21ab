/**
 * The guards on stage changes. Moving forward needs the work of the earlier stages done; moving
 * back to a stage that reads or trusts the JSON files needs those files to hold every write
 * Redis took. Each guard returns the reasons it blocks, in words an operator can act on;
 * `--force` overrides them, and a forced move is audited as such.
 */
import type { Collection } from '../domain/collections.js';
import type { ContentStore } from '../store/port.js';
import type { RepairQueue } from './repair-queue.js';
import { BEHAVIOUR, readsJson, stageIndex, type Stage } from './stages.js';
import type { MigrationStateStore } from './state-store.js';
import { loadManifest } from './store-reads.js';
import type { VerifyReport } from './verify.js';

export interface GuardContext {
  state: MigrationStateStore;
  queue: RepairQueue;
  json: ContentStore & { isWritable: boolean };
  redis: ContentStore;
}

async function repairsWaiting(context: GuardContext, c: Collection): Promise<string | null> {
  const size = await context.queue.size(c);
  const waiting = (size.redis ?? 0) + size.journal;
  if (size.redis === null) return 'the repair queue cannot be read (Redis unreachable)';
  return waiting > 0 ? `${waiting} ${c} ids wait in the repair queue; run \`contentkv migrate repair --collection ${c}\`` : null;
}

export async function advanceBlockers(context: GuardContext, c: Collection, from: Stage, to: Stage): Promise<string[]> {
  const reasons: string[] = [];
  if (stageIndex(to) >= stageIndex('shadow')) {
    const backfill = await context.state.getHash(`backfill:${c}`);
    if (backfill.status === 'stale') {
      reasons.push(`the ${c} backfill is out of date: ${backfill.error}`);
    } else if (backfill.status !== 'done') {
      reasons.push(`the ${c} backfill has not finished (${backfill.status ?? 'never run'}); run \`contentkv migrate backfill --collection ${c}\``);
    }
    if (stageIndex(to) >= stageIndex('live') && stageIndex(from) < stageIndex('live')) {
      const report = await context.state.getJson<VerifyReport>(`verify:${c}`);
      if (!report) reasons.push(`${c} was never verified; run \`contentkv migrate verify --collection ${c}\``);
      else if (!report.clean) reasons.push(`the last ${c} verify found ${report.missing} missing, ${report.extra} extra and ${report.different} different documents; run repair, then verify`);
      else if (backfill.finishedAt && report.checkedAt < backfill.finishedAt) reasons.push(`the last ${c} verify ran before the backfill finished; verify again`);
      const waiting = await repairsWaiting(context, c);
      if (waiting) reasons.push(waiting);
      const dead = (await context.state.sizes(c)).deadLetters;
      if (dead > 0) reasons.push(`${dead} ${c} documents are in the dead-letter list; fix them and run repair`);
    }
  }
  return reasons;
}

/**
 * Ids whose Redis version is newer than what the JSON files hold: the writes a rollback would
 * hide. Redis is read first: in the stages that write both, a write reaches Redis first, so by
 * the time the JSON files are read it has usually reached them too. Suspects are checked again
 * a moment later, and only those still newer count.
 */
export async function newerInRedis(context: Pick<GuardContext, 'json' | 'redis'>, c: Collection, passes = 3, pauseMs = 150): Promise<string[]> {
  const inRedis = await loadManifest(context.redis, c);
  const inJson = await loadManifest(context.json, c);
  let newer = [...inRedis].filter(([id, entry]) => (inJson.get(id)?.version ?? 0) < entry.version).map(([id]) => id);
  // A delete leaves Redis a tombstone, not a manifest entry: a document the JSON files still hold
  // and Redis does not is newer in Redis when its tombstone's version is higher.
  const goneFromRedis = [...inJson.keys()].filter((id) => !inRedis.has(id));
  const tombstones = await Promise.all(goneFromRedis.map((id) => context.redis.head(c, id)));
  newer.push(...goneFromRedis.filter((id, index) => (tombstones[index]?.version ?? 0) > (inJson.get(id)?.version ?? 0)));
  for (let pass = 1; pass < passes && newer.length > 0; pass += 1) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const redisHeads = await Promise.all(newer.map((id) => context.redis.head(c, id)));
    const jsonHeads = await Promise.all(newer.map((id) => context.json.head(c, id)));
    newer = newer.filter((_, index) => (jsonHeads[index]?.version ?? 0) < (redisHeads[index]?.version ?? 0));
  }
  return newer;
}

export async function rollbackBlockers(context: GuardContext, c: Collection, from: Stage, to: Stage): Promise<string[]> {
  const leavingRedisAuthority = BEHAVIOUR[from].authoritative === 'redis';
  const jsonMatters = readsJson(to) || BEHAVIOUR[to].authoritative === 'json';
  if (!leavingRedisAuthority || !jsonMatters || from === to) return [];
  const reasons: string[] = [];
  const waiting = await repairsWaiting(context, c);
  if (waiting) reasons.push(waiting);
  const newer = await newerInRedis(context, c);
  if (newer.length > 0) {
    const sample = newer.slice(0, 5).join(', ');
    reasons.push(
      context.json.isWritable
        ? `${newer.length} ${c} documents are newer in Redis than in the JSON files (${sample}…); run \`contentkv migrate verify\` then \`contentkv migrate repair\` to copy them back`
        : `${newer.length} ${c} documents are newer in Redis than in the read-only JSON files (${sample}…); run \`contentkv export --out DIR\`, commit DIR's files as the data directory and deploy, then roll back`,
    );
  }
  return reasons;
}

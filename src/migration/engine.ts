/**
 * The migration engine: the operations behind `contentkv migrate ...`, the admin API and
 * get_migration_status. It knows the two stores, the stage state in Redis and the repair queue;
 * the work itself lives in backfill.ts, verify.ts, repair.ts, export.ts and transitions.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Actor, AuditEntry } from '../domain/audit.js';
import { COLLECTIONS, type Collection } from '../domain/collections.js';
import { MigrationGuardError, ValidationError } from '../domain/errors.js';
import type { JsonStore, LockedJson } from '../store/json/json-store.js';
import type { Head, ReplicaItem } from '../store/port.js';
import { replicaOf } from '../store/replica-of.js';
import type { MigratingStore } from '../store/migrating/migrating-store.js';
import type { RedisStore } from '../store/redis/redis-store.js';
import { backfill } from './backfill.js';
import type { JobProgress, ProgressListener } from './progress.js';
import { repair } from './repair.js';
import { BEHAVIOUR, mirrorsToRedis, readPercentOf, stageIndex, type Stage, type StoreName } from './stages.js';
import type { MigrationStateStore } from './state-store.js';
import type { CollectionView } from './stage-view.js';
import { describeStatus, type MigrationStatus, type StatusSources } from './status.js';
import { advanceBlockers, rollbackBlockers } from './transitions.js';
import { verify, type VerifyReport } from './verify.js';

export type Target = Collection | 'all';

export interface EngineOptions extends StatusSources {
  /** The router serving requests in this process, so a switch can wait for its writes in flight. */
  router?: MigratingStore;
  /** How long every instance needs to see a stage change (two refreshes and a slow write). */
  settleMs?: number;
}

export interface StageChange {
  collection: Target;
  stage: Stage;
  readPercent?: number | undefined;
  force?: boolean;
  actor: Actor;
  note?: string;
}

export interface JobOptions {
  dryRun?: boolean;
  onProgress?: ProgressListener;
  restart?: boolean;
}


/** A collection's stage as a move was planned from; `storedStage` is what Redis held ('*': pinned by CONTENTKV_STAGE, not checked). */
interface Planned {
  stage: Stage;
  readPercent: number;
  storedStage: Stage | null | '*';
}

type PlannedSwitch = { c: Collection; from: Stage | null | '*' };

/** How far a switch moves the epoch (see MigrationEngine.switchEpoch). */
const SWITCH_EPOCH_STEP = 1_000;

/** Copies what the old authoritative store holds of each owed id to the other store, a few hundred at a time. */
async function copyOwed(ids: readonly string[], heads: (ids: string[]) => Promise<Head[]>, put: (items: ReplicaItem[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < ids.length; start += 200) {
    const chunk = ids.slice(start, start + 200);
    const items = (await heads(chunk)).flatMap((head, index) => replicaOf(chunk[index] as string, head) ?? []);
    if (items.length > 0) await put(items);
  }
}

const collectionsOf = (target: Target): Collection[] => (target === 'all' ? [...COLLECTIONS] : [target]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MigrationEngine {
  private readonly settleMs: number;

  constructor(private readonly options: EngineOptions) {
    this.settleMs = options.settleMs ?? 2_000;
  }

  /** The migration's state in Redis, for the alerts that watch it. */
  get state(): MigrationStateStore {
    return this.options.state;
  }

  private get stores(): Record<StoreName, JsonStore | RedisStore> {
    return { json: this.options.json, redis: this.options.redis };
  }

  private async stageOf(c: Collection): Promise<CollectionView> {
    await this.options.view.refresh();
    return this.options.view.forRead(c);
  }

  private shouldPause = async (): Promise<boolean> => (await this.options.state.readState()).paused;

  async status(): Promise<MigrationStatus> {
    return describeStatus(this.options);
  }

  /** A backfill must start after dual-write is on, or writes made during the copy could be missed. */
  async assertBackfillAllowed(target: Target): Promise<void> {
    for (const c of collectionsOf(target)) {
      const { stage } = await this.stageOf(c);
      // A read-only JSON store takes no writes at all, so there is nothing a copy could miss.
      if (!mirrorsToRedis(stage) && this.options.json.isWritable) {
        throw new MigrationGuardError(
          `the ${c} backfill must start after dual-write is on, so writes made during the copy reach Redis; run \`contentkv migrate advance dual-write --collection ${c}\` first`,
          { collection: c, stage },
        );
      }
    }
  }

  async backfill(target: Target, options: JobOptions & { force?: boolean } = {}): Promise<JobProgress[]> {
    if (!options.force) await this.assertBackfillAllowed(target);
    const results: JobProgress[] = [];
    for (const c of collectionsOf(target)) {
      results.push(
        await backfill({ collection: c, source: this.options.json, target: this.options.redis, state: this.options.state, dryRun: options.dryRun, restart: options.restart, onProgress: options.onProgress, shouldPause: this.shouldPause }),
      );
    }
    return results;
  }

  async verify(target: Target, options: JobOptions = {}): Promise<VerifyReport[]> {
    const reports: VerifyReport[] = [];
    for (const c of collectionsOf(target)) {
      const { stage } = await this.stageOf(c);
      const { report } = await verify({ collection: c, authoritative: BEHAVIOUR[stage].authoritative, stores: this.stores, state: this.options.state, dryRun: options.dryRun, onProgress: options.onProgress });
      reports.push(report);
    }
    return reports;
  }

  async repair(target: Target, options: JobOptions = {}): Promise<JobProgress[]> {
    const results: JobProgress[] = [];
    for (const c of collectionsOf(target)) {
      const { stage } = await this.stageOf(c);
      results.push(
        await repair({ collection: c, authoritative: BEHAVIOUR[stage].authoritative, stores: this.stores, state: this.options.state, queue: this.options.queue, dryRun: options.dryRun, onProgress: options.onProgress, shouldPause: this.shouldPause }),
      );
    }
    return results;
  }

  async advance(change: StageChange): Promise<void> {
    await this.changeStage(change, 'advance');
  }

  async rollback(change: StageChange): Promise<void> {
    await this.changeStage(change, 'rollback');
  }

  /**
   * Plans the move of every collection named, checks every guard, and only then moves: with
   * `all`, either both collections move or neither does.
   */
  private async changeStage(change: StageChange, direction: 'advance' | 'rollback'): Promise<void> {
    // Only live splits the reads; a share given with another stage used to be dropped silently.
    if (change.readPercent !== undefined && change.stage !== 'live') {
      throw new ValidationError(`a share of reads applies only to the live stage, not ${change.stage}`, [{ path: 'readPercent', message: 'only with stage live' }]);
    }
    for (const c of collectionsOf(change.collection)) await this.payOutstandingCopies(c);
    const plans: { c: Collection; from: Planned; to: { stage: Stage; readPercent: number }; blockers: string[] }[] = [];
    for (const c of collectionsOf(change.collection)) {
      const stored = await this.stageOf(c);
      // What Redis held when this was planned: the switch is refused if that moved meanwhile.
      const storedStage = stored.source === 'redis' ? stored.stage : stored.source === 'default' ? null : '*';
      const from: Planned = { stage: stored.stage, readPercent: readPercentOf(stored.stage, stored.readPercent), storedStage };
      const wrongWay = direction === 'advance' ? stageIndex(change.stage) < stageIndex(from.stage) : stageIndex(change.stage) > stageIndex(from.stage);
      if (wrongWay) {
        const other = direction === 'advance' ? 'rollback' : 'advance';
        throw new MigrationGuardError(`${c} is at ${from.stage}; moving to ${change.stage} is ${other === 'rollback' ? 'a rollback' : 'an advance'}: use \`contentkv migrate ${other} ${change.stage}\``);
      }
      const wanted = change.stage === 'live' ? (change.readPercent ?? (direction === 'advance' ? 100 : from.readPercent)) : readPercentOf(change.stage, 0);
      const to = { stage: change.stage, readPercent: direction === 'rollback' && change.stage === 'live' && from.stage === 'live' ? Math.min(wanted, from.readPercent) : wanted };
      if (to.stage === from.stage && to.readPercent === from.readPercent) continue;
      const blockers = direction === 'advance' ? await advanceBlockers(this.guardContext(), c, from.stage, to.stage) : await rollbackBlockers(this.guardContext(), c, from.stage, to.stage);
      plans.push({ c, from, to, blockers });
    }
    const blocked = plans.filter((plan) => plan.blockers.length > 0);
    if (blocked.length > 0 && !change.force) {
      const reasons = blocked.map((plan) => `${plan.c} (${plan.from.stage} to ${plan.to.stage}): ${plan.blockers.join('; ')}`).join('. ');
      throw new MigrationGuardError(`cannot ${direction}: ${reasons}. Nothing was moved. Add --force to override (it is audited).`, {
        blockers: Object.fromEntries(blocked.map((plan) => [plan.c, plan.blockers])),
      });
    }
    for (const plan of plans) await this.move(plan.c, plan.from, plan.to, plan.blockers, change);
  }

  async pause(actor: Actor): Promise<void> {
    await this.options.state.writeState({ paused: 1 });
    await this.audit(actor, 'all', [{ field: 'paused', oldValue: false, newValue: true }], {});
  }

  async resume(actor: Actor): Promise<void> {
    await this.options.state.writeState({ paused: 0 });
    await this.audit(actor, 'all', [{ field: 'paused', oldValue: true, newValue: false }], {});
  }

  private guardContext() {
    return { state: this.options.state, queue: this.options.queue, json: this.options.json, redis: this.options.redis };
  }

  private async move(c: Collection, from: Planned, to: { stage: Stage; readPercent: number }, blockers: string[], change: StageChange): Promise<void> {
    const fields: Record<string, string | number> = { [`${c}:stage`]: to.stage, [`${c}:readPercent`]: to.readPercent };
    const fromStore = BEHAVIOUR[from.stage].authoritative;
    const planned = { c, from: from.storedStage };
    if (fromStore !== BEHAVIOUR[to.stage].authoritative) await this.fencedSwitch(planned, fromStore, fields);
    else if (from.stage !== to.stage) await this.switchStage(planned, to.stage, fields);
    else await this.options.state.writeState(fields);
    // No store copies this collection's writes any more: nothing can be owed from now on
    // (the JSON files' list is emptied by switchStage, under their lock).
    if (BEHAVIOUR[to.stage].secondary === null) await this.options.state.clearOwedCopies(c);
    // Back at a stage that does not write Redis, writes from now on miss it: the copy is no longer whole.
    if (mirrorsToRedis(from.stage) && !mirrorsToRedis(to.stage) && this.options.json.isWritable) {
      await this.options.state.setHash(`backfill:${c}`, { status: 'stale', error: `writes at ${to.stage} since ${new Date().toISOString()} do not reach Redis; run the backfill again` });
    }
    await this.options.view.refresh();
    await this.audit(change.actor, c, [
      { field: 'stage', oldValue: from.stage, newValue: to.stage },
      ...(from.readPercent !== to.readPercent ? [{ field: 'readPercent', oldValue: from.readPercent, newValue: to.readPercent }] : []),
    ], { forced: blockers.length > 0 && change.force === true, note: blockers.length > 0 ? `forced past: ${blockers.join('; ')}` : change.note });
  }

  /**
   * Switching which store is authoritative: writes everywhere wait behind a fence while every
   * instance learns the new stage, so no write can commit to the old authoritative store after
   * another commits to the new one. Reads go on throughout.
   *
   * The fence alone is not enough: a write that passed the fence check just before it went up
   * can be held up past the settle time (waiting for the JSON lock, say). Every commit
   * therefore carries the epoch it was planned under (CommitFence), and the new stage is written
   * as a switch (switchStage): a late write is refused by either store and planned again.
   *
   * Nor does it cover the copy that follows a commit: one held up past the settle time (a slow
   * Redis) could land after a write to the new authoritative store, be skipped as not newer, and
   * lose the write it carries. Each commit records its copy as owed, with the commit; the switch
   * makes every owed copy itself, holding the JSON lock, before the new store can take a write:
   * from the JSON files before the stage changes (Redis takes no commit for this collection until
   * it does), from Redis right after (the switch stops Redis commits; JSON ones wait for the lock).
   */
  private async fencedSwitch(planned: PlannedSwitch, from: StoreName, fields: Record<string, string | number>): Promise<void> {
    const { c } = planned;
    await this.options.state.writeState({ fence: Date.now() + this.settleMs * 4 + 10_000 });
    await sleep(this.settleMs);
    const router = this.options.router;
    for (let waited = 0; router && router.inFlightWrites > 0 && waited < 10_000; waited += 20) await sleep(20);
    const { json, state } = this.options;
    const asked = await this.switchEpoch();
    const switching = json.recordSwitch(asked, async (locked) => {
      if (from === 'json') {
        await this.payOwedCopies(c, 'json', locked);
        return state.writeSwitch(fields, asked, planned);
      }
      const epoch = await state.writeSwitch(fields, asked, planned);
      await this.payOwedCopies(c, 'redis', locked);
      return epoch;
    });
    await switching.catch(async (error: unknown) => {
      // Refused because another operator moved the stage meanwhile: nothing moved, so writes go on.
      if (error instanceof MigrationGuardError) await state.writeState({ fence: 0 });
      throw error;
    });
    await sleep(this.settleMs);
    await state.writeState({ fence: 0 });
  }

  /**
   * Copies owed to the authoritative store that a switch did not make (it failed halfway: Redis
   * went away after the new stage was written, the process was killed) are made now, before any
   * move is planned: every stage command, even one with nothing to move, finishes the last switch.
   * Only a failed switch leaves copies owed to the authoritative store: at a stage, copies are
   * owed by it, never to it.
   */
  private async payOutstandingCopies(c: Collection): Promise<void> {
    const { json, state } = this.options;
    if (!json.isWritable) return;
    const owedBy: StoreName = BEHAVIOUR[(await this.stageOf(c)).stage].authoritative === 'json' ? 'redis' : 'json';
    // Looked at first without the lock: there is nearly always nothing owed.
    if ((owedBy === 'redis' ? await state.owedCopies(c) : await json.owedCopies(c)).length === 0) return;
    await json.withLock((locked) => this.payOwedCopies(c, owedBy, locked));
  }

  /**
   * Makes the copies `owedBy` owes the other store (the ids its commits recorded as owed), from
   * what it holds now, and forgets them. The caller holds the JSON lock (`locked`).
   */
  private async payOwedCopies(c: Collection, owedBy: StoreName, locked: LockedJson): Promise<void> {
    const { json, redis, state } = this.options;
    if (owedBy === 'json') {
      const owed = await locked.owedCopies(c);
      await copyOwed(owed, (ids) => Promise.all(ids.map((id) => json.head(c, id))), (items) => redis.putIfNewer(c, items));
      await locked.clearOwedCopies(c);
    } else {
      const owed = await state.owedCopies(c);
      await copyOwed(owed, (ids) => Promise.all(ids.map((id) => redis.head(c, id))), (items) => locked.put(c, items));
      await state.clearOwedCopies(c, owed);
    }
  }

  /**
   * Writes a change of stage as a switch, in Redis and in the JSON files' meta, holding the JSON
   * lock throughout (JsonStore.recordSwitch): commits planned under the old stage are refused by
   * both stores from then on. Any change of stage, not only of the authoritative store: a write
   * planned at `json` that committed after `dual-write` began would miss Redis.
   */
  private async switchStage(planned: PlannedSwitch, to: Stage, fields: Record<string, string | number>): Promise<void> {
    const asked = await this.switchEpoch();
    await this.options.json.recordSwitch(asked, async (locked) => {
      const epoch = await this.options.state.writeSwitch(fields, asked, planned);
      if (BEHAVIOUR[to].secondary === null) await locked.clearOwedCopies(planned.c);
      return epoch;
    });
  }

  /**
   * The epoch a switch asks for: past both stores' (the JSON files may be ahead of a Redis that
   * lost its state), and far enough past that state changes made while the switch waits for the
   * JSON lock (a pause, a fence) cannot carry Redis beyond it, so both stores record the same one.
   */
  private async switchEpoch(): Promise<number> {
    const [{ epoch }, recorded] = await Promise.all([this.options.state.readState(), this.options.json.switchEpoch()]);
    return Math.max(epoch, recorded) + SWITCH_EPOCH_STEP;
  }

  private async audit(actor: Actor, target: string, changes: AuditEntry['changes'], metadata: { forced?: boolean; note?: string | undefined }): Promise<void> {
    const entry: AuditEntry = {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      action: 'update',
      entityType: 'migration',
      entityId: target,
      source: actor.source,
      changes,
      metadata: {
        ...(actor.clientId !== undefined && { clientId: actor.clientId }),
        ...(metadata.forced && { forced: true }),
        ...(metadata.note !== undefined && { note: metadata.note }),
      },
    };
    // Both logs get it, whichever store the audit log is read from at the time.
    await this.options.redis.appendAudit(entry);
    if (this.options.json.isWritable) await this.options.json.appendAudit(entry).catch(() => undefined);
  }
}

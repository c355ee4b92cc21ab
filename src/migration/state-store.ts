/**
 * Where the migration keeps its state: in Redis under `meta:migration:*`, beside the content and
 * under the same hash tag, so every instance reads the same stage. Keys:
 *   meta:migration:state              hash: <c>:stage, <c>:readPercent, paused, fence, epoch, switch, changedAt
 *   meta:migration:backfill:<c>       hash: the backfill checkpoint and counters
 *   meta:migration:import:<c>         hash: the same for `contentkv import`
 *   meta:migration:repair:<c>         set of ids whose copies must be reconciled
 *   meta:migration:owed:<c>           set of ids committed in Redis whose copy to the JSON files may not
 *                                     have landed yet (MigrationEngine.payOwedCopies makes them)
 *   meta:migration:deadletter:<c>     hash: id -> why it could not be copied
 *   meta:migration:verify:<c>         the last verify report (JSON)
 *   meta:migration:compare:<c>        hash: compared, mismatched (shadow reads)
 *   meta:migration:mismatches:<c>     list: the last mismatches, newest first
 *   meta:migration:alerts             hash: alert key -> its state, shared by every instance
 */
import type { Collection } from '../domain/collections.js';
import { MigrationGuardError } from '../domain/errors.js';
import type { RedisCommand, RedisDriver, RedisReply } from '../store/redis/driver.js';
import type { RedisKeys } from '../store/redis/keys.js';
import { evalsha, execBatch, replyOf } from '../store/redis/script-runner.js';
import { SCRIPTS } from '../store/redis/scripts.js';
import { stageSchema, type Stage } from './stages.js';

export interface StoredCollectionState {
  stage: Stage | null;
  readPercent: number;
}

export interface StoredState {
  collections: Record<Collection, StoredCollectionState>;
  paused: boolean;
  /** Epoch ms until which writes must wait (a switch of the authoritative store is under way). */
  fenceUntil: number;
  epoch: number;
  changedAt: string | null;
}

function toRecord(flat: RedisReply): Record<string, string> {
  const list = (flat as string[] | null) ?? [];
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < list.length; index += 2) record[list[index] as string] = list[index + 1] as string;
  return record;
}

/** What the status shows of one collection, as Redis holds it. */
export interface CollectionReads {
  backfill: Record<string, string>;
  lastVerify: unknown;
  repairQueue: number;
  deadLetters: { count: number; recent: { id: string; reason: string; at: string }[] };
  compare: Record<string, string>;
  mismatches: unknown[];
}

export class MigrationStateStore {
  constructor(
    private readonly driver: RedisDriver,
    private readonly keys: RedisKeys,
  ) {}

  private key(name: string): string {
    return this.keys.migration(name);
  }

  async exec(commands: RedisCommand[], readOnly = false): Promise<RedisReply[]> {
    return (await execBatch(this.driver, commands, { readOnly })).map(replyOf);
  }

  async readState(): Promise<StoredState> {
    const [flat] = await this.exec([['HGETALL', this.key('state')]], true);
    const raw = toRecord(flat ?? null);
    const collection = (c: Collection): StoredCollectionState => {
      const parsed = stageSchema.safeParse(raw[`${c}:stage`]);
      return { stage: parsed.success ? parsed.data : null, readPercent: Math.min(100, Math.max(0, Number(raw[`${c}:readPercent`] ?? 0) || 0)) };
    };
    return {
      collections: { projects: collection('projects'), resources: collection('resources') },
      paused: raw.paused === '1',
      fenceUntil: Number(raw.fence ?? 0) || 0,
      epoch: Number(raw.epoch ?? 0) || 0,
      changedAt: raw.changedAt ?? null,
    };
  }

  async writeState(fields: Record<string, string | number>): Promise<void> {
    const flat = Object.entries(fields).flatMap(([field, value]) => [field, value]);
    await this.exec([
      ['HSET', this.key('state'), ...flat, 'changedAt', new Date().toISOString()],
      ['HINCRBY', this.key('state'), 'epoch', 1],
    ]);
  }

  /**
   * Writes a change of stage as a switch at the epoch asked for, or past it (switchStage.lua):
   * commits planned under an earlier epoch are refused from now on. Returns the switch's epoch.
   */
  async writeSwitch(fields: Record<string, string | number>, epoch: number, planned: { c: Collection; from: Stage | null | '*' }): Promise<number> {
    const flat = Object.entries({ ...fields, changedAt: new Date().toISOString() }).flatMap(([field, value]) => [field, value]);
    const [reply] = await this.exec([evalsha(SCRIPTS.switchStage, [this.key('state')], [epoch, `${planned.c}:stage`, planned.from ?? '', ...flat])]);
    const [outcome, value] = reply as [string, string | number];
    if (outcome === 'MOVED') {
      throw new MigrationGuardError(`${planned.c} was moved to ${value || 'json'} meanwhile (by another operator?); nothing was moved: look at the status and run the command again`);
    }
    return Number(value);
  }

  /** Moves the epoch up to `floor` if it is below (raiseEpoch.lua); returns the epoch now. */
  async raiseEpoch(floor: number): Promise<number> {
    const [epoch] = await this.exec([evalsha(SCRIPTS.raiseEpoch, [this.key('state')], [floor])]);
    return Number(epoch);
  }

  async getHash(name: string): Promise<Record<string, string>> {
    const [flat] = await this.exec([['HGETALL', this.key(name)]], true);
    return toRecord(flat ?? null);
  }

  async setHash(name: string, fields: Record<string, string | number>): Promise<void> {
    const flat = Object.entries(fields).flatMap(([field, value]) => [field, value]);
    if (flat.length > 0) await this.exec([['HSET', this.key(name), ...flat]]);
  }

  async getJson<T>(name: string): Promise<T | null> {
    const [value] = await this.exec([['GET', this.key(name)]], true);
    return typeof value === 'string' ? (JSON.parse(value) as T) : null;
  }

  async setJson(name: string, value: unknown): Promise<void> {
    await this.exec([['SET', this.key(name), JSON.stringify(value)]]);
  }

  /**
   * Ids committed in Redis whose copy to the JSON files is owed, recorded with the commit by
   * commitDocument.lua: a switch back to the JSON files makes those copies itself before they
   * take writes, so a copy held up past the switch cannot lose to a write there. (Copies owed by
   * the JSON files are listed in their meta.json.)
   */
  async owedCopies(c: Collection): Promise<string[]> {
    const [reply] = await this.exec([['SMEMBERS', this.key(`owed:${c}`)]], true);
    return (reply as string[] | null) ?? [];
  }

  async clearOwedCopies(c: Collection, ids?: readonly string[]): Promise<void> {
    if (ids === undefined) await this.exec([['DEL', this.key(`owed:${c}`)]]);
    else if (ids.length > 0) await this.exec([['SREM', this.key(`owed:${c}`), ...ids]]);
  }

  // The repair queue: a set, so an id queued many times is repaired once.
  async queueRepairs(c: Collection, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.exec([['SADD', this.key(`repair:${c}`), ...ids]]);
  }

  /** One step of a scan over the repair queue (SSCAN: every member present throughout is visited). */
  async scanRepairs(c: Collection, cursor: string, count: number): Promise<{ ids: string[]; cursor: string }> {
    const [reply] = await this.exec([['SSCAN', this.key(`repair:${c}`), cursor, 'COUNT', count]], true);
    const [next, ids] = (reply as [string, string[]] | null) ?? ['0', []];
    return { ids, cursor: next };
  }

  async removeRepairs(c: Collection, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.exec([['SREM', this.key(`repair:${c}`), ...ids]]);
  }

  async deadLetter(c: Collection, id: string, reason: string): Promise<void> {
    await this.exec([['HSET', this.key(`deadletter:${c}`), id, JSON.stringify({ reason, at: new Date().toISOString() })]]);
  }

  async clearDeadLetter(c: Collection, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.exec([['HDEL', this.key(`deadletter:${c}`), ...ids]]);
  }

  async deadLetters(c: Collection, limit = 20): Promise<{ id: string; reason: string; at: string }[]> {
    const record = await this.getHash(`deadletter:${c}`);
    return Object.entries(record)
      .slice(0, limit)
      .map(([id, value]) => ({ id, ...(JSON.parse(value) as { reason: string; at: string }) }));
  }

  /** Everything the status shows of each collection, in one round trip for all of them. */
  async statusReads(collections: readonly Collection[]): Promise<Record<Collection, CollectionReads>> {
    const per = (c: Collection): RedisCommand[] => [
      ['HGETALL', this.key(`backfill:${c}`)],
      ['GET', this.key(`verify:${c}`)],
      ['SCARD', this.key(`repair:${c}`)],
      ['HGETALL', this.key(`deadletter:${c}`)],
      ['HGETALL', this.key(`compare:${c}`)],
      ['LRANGE', this.key(`mismatches:${c}`), 0, 9],
    ];
    const replies = await this.exec(collections.flatMap(per), true);
    const reads = collections.map((c, index): [Collection, CollectionReads] => {
      const [backfill, verify, repair, dead, compare, mismatches] = replies.slice(index * 6, index * 6 + 6);
      const letters = Object.entries(toRecord(dead ?? null));
      return [
        c,
        {
          backfill: toRecord(backfill ?? null),
          lastVerify: typeof verify === 'string' ? (JSON.parse(verify) as unknown) : null,
          repairQueue: Number(repair ?? 0),
          deadLetters: { count: letters.length, recent: letters.slice(0, 10).map(([id, value]) => ({ id, ...(JSON.parse(value) as { reason: string; at: string }) })) },
          compare: toRecord(compare ?? null),
          mismatches: ((mismatches as string[] | null) ?? []).map((entry) => JSON.parse(entry) as unknown),
        },
      ];
    });
    return Object.fromEntries(reads) as Record<Collection, CollectionReads>;
  }

  /** Sizes for status, in one round trip. */
  async sizes(c: Collection): Promise<{ repairQueue: number; deadLetters: number }> {
    const [repair, dead] = await this.exec([['SCARD', this.key(`repair:${c}`)], ['HLEN', this.key(`deadletter:${c}`)]], true);
    return { repairQueue: Number(repair ?? 0), deadLetters: Number(dead ?? 0) };
  }

  async recordComparison(c: Collection, matched: boolean, mismatch?: unknown): Promise<void> {
    const commands: RedisCommand[] = [['HINCRBY', this.key(`compare:${c}`), 'compared', 1]];
    if (!matched) {
      commands.push(['HINCRBY', this.key(`compare:${c}`), 'mismatched', 1]);
      commands.push(['LPUSH', this.key(`mismatches:${c}`), JSON.stringify(mismatch)]);
      commands.push(['LTRIM', this.key(`mismatches:${c}`), 0, 49]);
    }
    await this.exec(commands);
  }

  /** Sets an alert's state; true only for the one caller that changed it (see transitionAlert.lua). */
  async transitionAlert(key: string, state: string): Promise<boolean> {
    const [changed] = await this.exec([evalsha(SCRIPTS.transitionAlert, [this.key('alerts')], [key, state])]);
    return Number(changed) === 1;
  }

  async alertStates(): Promise<Record<string, string>> {
    return this.getHash('alerts');
  }

  async mismatches(c: Collection, limit = 10): Promise<unknown[]> {
    const [list] = await this.exec([['LRANGE', this.key(`mismatches:${c}`), 0, limit - 1]], true);
    return ((list as string[] | null) ?? []).map((entry) => JSON.parse(entry) as unknown);
  }
}

/**
 * The six migration stages (LaunchDarkly's), per collection, as DESIGN.md's table gives them:
 * where reads come from, which store is authoritative (written first, its commit is the
 * acknowledgement), and which store is written second.
 */
import { z } from 'zod';

export const STAGES = ['json', 'dual-write', 'shadow', 'live', 'rampdown', 'redis'] as const;
export type Stage = (typeof STAGES)[number];
export const stageSchema = z.enum(STAGES);

export type StoreName = 'json' | 'redis';

export interface StageBehaviour {
  /** Written first; its commit acknowledges the write. */
  authoritative: StoreName;
  /** Written second, or null; a failure there goes to the repair queue. */
  secondary: StoreName | null;
  /** Where reads come from: one store, or (live) split by a sticky hash of the id. */
  reads: StoreName | 'split';
  /** Reads are compared against the other store on a sample. */
  compares: boolean;
}

export const BEHAVIOUR: Record<Stage, StageBehaviour> = {
  json: { authoritative: 'json', secondary: null, reads: 'json', compares: false },
  'dual-write': { authoritative: 'json', secondary: 'redis', reads: 'json', compares: false },
  shadow: { authoritative: 'json', secondary: 'redis', reads: 'json', compares: true },
  live: { authoritative: 'redis', secondary: 'json', reads: 'split', compares: true },
  rampdown: { authoritative: 'redis', secondary: 'json', reads: 'redis', compares: false },
  redis: { authoritative: 'redis', secondary: null, reads: 'redis', compares: false },
};

/** The share of reads Redis serves at a stage: the stored percentage in `live`, all or nothing elsewhere. */
export function readPercentOf(stage: Stage, stored: number): number {
  if (stage === 'live') return stored;
  return BEHAVIOUR[stage].reads === 'redis' ? 100 : 0;
}

export function stageIndex(stage: Stage): number {
  return STAGES.indexOf(stage);
}

/** Stages in which the JSON store must take writes (first or second). */
export function writesJson(stage: Stage): boolean {
  const behaviour = BEHAVIOUR[stage];
  return behaviour.authoritative === 'json' || behaviour.secondary === 'json';
}

/** Stages in which Redis receives every write, so a backfill cannot miss one made during the copy. */
export function mirrorsToRedis(stage: Stage): boolean {
  const behaviour = BEHAVIOUR[stage];
  return behaviour.authoritative === 'redis' || behaviour.secondary === 'redis';
}

/** Stages in which some content is served from the JSON store. */
export function readsJson(stage: Stage): boolean {
  return BEHAVIOUR[stage].reads !== 'redis';
}

/**
 * CONTENTKV_STAGE, the emergency override that works even when Redis is down. Forms:
 *   redis                          every collection at `redis`
 *   live:50                        every collection at `live`, 50% of reads from Redis
 *   projects=live:50,resources=json one setting per collection
 */
import { COLLECTIONS, type Collection } from '../domain/collections.js';
import { ConfigError } from '../config/redis-env.js';
import { STAGES, stageSchema, type Stage } from './stages.js';

export interface StageSetting {
  stage: Stage;
  readPercent: number;
}

function parseSetting(text: string): StageSetting {
  const [name, percent] = text.trim().split(':');
  const stage = stageSchema.safeParse(name);
  if (!stage.success) throw new ConfigError(`CONTENTKV_STAGE: "${name}" is not a stage; use one of ${STAGES.join(', ')}`);
  const readPercent = percent === undefined ? (stage.data === 'live' ? 0 : 100) : Number(percent);
  if (!Number.isInteger(readPercent) || readPercent < 0 || readPercent > 100) throw new ConfigError(`CONTENTKV_STAGE: "${percent}" is not a percentage from 0 to 100`);
  return { stage: stage.data, readPercent };
}

export function parseStageOverride(value: string | undefined): Partial<Record<Collection, StageSetting>> {
  if (value === undefined || value.trim() === '') return {};
  if (!value.includes('=')) {
    const setting = parseSetting(value);
    return Object.fromEntries(COLLECTIONS.map((c) => [c, setting]));
  }
  const result: Partial<Record<Collection, StageSetting>> = {};
  for (const part of value.split(',')) {
    const [collection, setting] = part.split('=');
    if (collection !== 'projects' && collection !== 'resources') throw new ConfigError(`CONTENTKV_STAGE: "${collection}" is not a collection (projects, resources)`);
    result[collection] = parseSetting(setting ?? '');
  }
  return result;
}

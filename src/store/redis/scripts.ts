/**
 * The Lua scripts, loaded once from their .lua files. Scripts that write documents get lib.lua
 * prepended. Each is called by SHA (EVALSHA) and sent in full (EVAL) only when Redis answers
 * NOSCRIPT, after a restart or failover, as upstash/redis-js does.
 */
import { createHash } from 'node:crypto';
import { readAsset } from '../../assets.js';

export interface LuaScript {
  name: string;
  source: string;
  sha: string;
}

function read(name: string): string {
  return readAsset(`store/redis/scripts/${name}.lua`);
}

function script(name: string, withLibrary: boolean): LuaScript {
  const source = withLibrary ? `${read('lib')}\n${read(name)}` : read(name);
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

export const SCRIPTS = {
  commitDocument: script('commitDocument', true),
  putIfNewer: script('putIfNewer', true),
  putManyIfNewer: script('putManyIfNewer', true),
  readPage: script('readPage', false),
  transitionAlert: script('transitionAlert', false),
  switchStage: script('switchStage', false),
  raiseSchema: script('raiseSchema', false),
  raiseEpoch: script('raiseEpoch', false),
} as const;

const bySha = new Map<string, LuaScript>(Object.values(SCRIPTS).map((s) => [s.sha, s]));

export function scriptBySha(sha: string): LuaScript | undefined {
  return bySha.get(sha);
}

/**
 * Files shipped beside the compiled code that are not TypeScript: the Lua scripts and the
 * dashboard. Paths are given from the root of src/ (and dist/). This module sits at that root,
 * and so do the bundle's files (dist/contentkv.js and its chunks, see scripts/bundle.mjs), one of
 * which includes it, so one path resolves the same from either.
 */
import { readFileSync } from 'node:fs';

export function readAsset(path: string): string {
  return readFileSync(new URL(`./${path}`, import.meta.url), 'utf8');
}

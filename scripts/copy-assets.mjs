// Copies the non-TypeScript assets (Lua scripts, dashboard files) from src/ to dist/,
// keeping their relative paths, so the compiled code finds them beside itself.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { mkdirSync } from 'node:fs';

const ASSET = /\.(lua|html|css|js|svg)$/;
const src = new URL('../src/', import.meta.url).pathname;
const dist = new URL('../dist/', import.meta.url).pathname;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name) && !name.endsWith('.d.ts')) {
      const target = join(dist, relative(src, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
walk(src);

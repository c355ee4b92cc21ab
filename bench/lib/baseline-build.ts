/**
 * Compiles the baseline servers to plain JavaScript before they are started. Running them under
 * tsx would put its loader and an esbuild transform into the bare baseline's cold start and make
 * our server look faster than it is; compiled, every process starts the same way (`node file.js`).
 * Imports of ../../src/ are pointed at the run's snapshot of dist/ (bench/.build/dist, see
 * build.ts), so a baseline that reuses our code (naive MCP reads Redis through RedisStore) runs the
 * same compiled code as our server.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const BASELINE_SERVERS = ['bare', 'legacy', 'naive-mcp'] as const;
export type BaselineServer = (typeof BASELINE_SERVERS)[number];

/** Returns the path of each compiled baseline, relative to the repository root. */
export function buildBaselines(root: string): Record<BaselineServer, string> {
  const outDir = join(root, 'bench/.build');
  mkdirSync(outDir, { recursive: true });
  const paths = {} as Record<BaselineServer, string>;
  for (const name of BASELINE_SERVERS) {
    const source = readFileSync(join(root, `bench/baselines/${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
      fileName: `${name}.ts`,
    });
    writeFileSync(join(outDir, `${name}.js`), outputText.replace(/(['"])\.\.\/\.\.\/src\//g, '$1./dist/'));
    paths[name] = `bench/.build/${name}.js`;
  }
  return paths;
}

#!/usr/bin/env node
// The CLI is one bundled file (scripts/bundle.mjs): one module to read and link instead of hundreds.
// Node 22.1+ keeps the compiled code of the modules it loads on disk (in the OS temp directory,
// or NODE_COMPILE_CACHE), which takes about a quarter off every start after the first; on older
// Node this is a no-op. It must run before the CLI's modules are imported, hence the dynamic import.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/contentkv.js');

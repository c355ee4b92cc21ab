import { defineConfig } from 'vitest/config';

// Tests that start redis-server, HTTP servers or child processes need real time,
// so the defaults are generous; no test asserts a timing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

/**
 * The one vitest setup every package shares: each package's vitest.config.ts
 * merges this with `mergeConfig(shared, defineConfig({...}))`.
 */
import { defineConfig } from 'vitest/config';

export const shared = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on the reference machine: keep workers to what it has.
    maxWorkers: 2,
    // The JSON report feeds scripts/test-summary.mjs, which prints the run's closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});

import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
      // The end-to-end and TUI suites start real processes; each needs its own timeouts.
      testTimeout: 60_000,
    },
  }),
);

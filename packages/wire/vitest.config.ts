import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The package's `test` script runs with --coverage; fail the run if coverage of src drops.
      coverage: { thresholds: { lines: 95, statements: 95, functions: 95, branches: 90 } },
    },
  }),
);

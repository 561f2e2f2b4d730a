import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../vitest.shared.js';

// Repository-level checks (layering, packaging); package suites live in packages/<pkg>/test.
export default mergeConfig(
  shared,
  defineConfig({ test: { root: import.meta.dirname, include: ['**/*.test.ts'], testTimeout: 300_000 } }),
);

import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // Real-time calls in a real browser: one file at a time, so the suite's own relay, phonebooks and
      // Chromium do not compete with each other for the CPU.
      fileParallelism: false,
      testTimeout: 90_000,
      hookTimeout: 90_000,
    },
  }),
);

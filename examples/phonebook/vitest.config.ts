import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
      // The end-to-end call streams audio in real time: the files run one after another, so that this
      // suite's own relay and phonebook processes do not compete with it for the CPU.
      fileParallelism: false,
      testTimeout: 60_000,
    },
  }),
);

import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per package.json `exports` subpath (README "Entry points").
  entry: {
    index: 'src/index.ts',
    core: 'src/core/index.ts',
    cluster: 'src/cluster/index.ts',
    testing: 'src/testing.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // Shared chunks in CJS too, so every entry point uses one copy of each class (RelayError, RelayCore…):
  // `instanceof` holds across entry points.
  splitting: true,
});

import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per package.json `exports` subpath: the browser-safe root, the Node-only files/devices/native-Opus
  // part, and the sans-I/O building blocks, test doubles and diagnostics (README "Entry points").
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    core: 'src/core.ts',
    testing: 'src/testing.ts',
    analysis: 'src/analysis.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // node/opus-native.ts resolves @evan/opus's files from import.meta.url, which CJS lacks.
  shims: true,
  // Shared chunks in CJS too, so every entry point uses one copy of each class (AudioError, JitterBuffer…):
  // `instanceof` holds across entry points.
  splitting: true,
});

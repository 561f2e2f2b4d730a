import { defineConfig } from 'tsup';

export default defineConfig({
  // Two entry points: the browser-safe core and the Node-only files/devices/native-Opus part.
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // node/opus-native.ts resolves @evan/opus's files from import.meta.url, which CJS lacks.
  shims: true,
  // Shared chunks in CJS too, so both entry points use one AudioError class.
  splitting: true,
});

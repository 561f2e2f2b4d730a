import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per package.json `exports` subpath (README "Entry points").
  entry: {
    index: 'src/index.ts',
    core: 'src/core/index.ts',
    cluster: 'src/cluster/index.ts',
    testing: 'src/testing.ts',
    // Not an export: the script the media worker thread runs (docs/relay.md "Media worker").
    'media-worker': 'src/shell/media-worker.ts',
    // Not an export: the script each crypto worker thread runs (docs/relay.md "Crypto workers").
    'crypto-worker': 'src/shell/crypto-worker.ts',
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
  // shell/native-media-addon.ts and shell/media-worker-plane.ts find files from import.meta.url, which CJS lacks.
  shims: true,
});

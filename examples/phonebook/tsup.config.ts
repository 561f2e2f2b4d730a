import { defineConfig } from 'tsup';

// Two programs, ESM only (a program, not a library): the phonebook and the demo that drives it.
export default defineConfig({
  entry: { main: 'src/main.ts', demo: 'src/demo/demo.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  banner: { js: '#!/usr/bin/env node' },
});

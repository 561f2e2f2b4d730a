import { defineConfig } from 'tsup';

export default defineConfig({
  // Four entry points (docs/client.md "Entry points"): the application API, `@leitung/client/core` for
  // people writing their own shell, `@leitung/client/testing` with in-memory doubles, and
  // `@leitung/client/browser`, the application API without node:* modules for web pages.
  entry: { index: 'src/index.ts', core: 'src/core.ts', testing: 'src/testing.ts', browser: 'src/browser.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // Shared modules go into common chunks for CJS too, so each class exists once: an error thrown by a
  // core from `/core` is `instanceof` the ClientError of the root entry.
  splitting: true,
});

// Builds the page and the demo with esbuild (no framework, no dev server): the page script and the
// AudioWorklet module for browsers, the demo program for Node, and copies index.html and libopus's
// WebAssembly builds next to them, so dist/www is a static site any web server can serve.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const www = join(root, 'dist', 'www');
const require = createRequire(import.meta.url);
const opusDir = dirname(require.resolve('@evan/opus/wasm/opus.wasm'));

await rm(join(root, 'dist'), { recursive: true, force: true });
await mkdir(www, { recursive: true });

const browser = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome110',
  sourcemap: true,
  minify: true,
  // The `browser` export condition picks @leitung/crypto's portable (node-free) entry.
  conditions: ['browser'],
  logLevel: 'warning',
  // tsup's shared chunks are imported bare by entries of packages marked side-effect free: harmless.
  logOverride: { 'ignored-bare-import': 'silent' },
};

await Promise.all([
  build({ ...browser, entryPoints: [join(root, 'src/page/main.ts')], outfile: join(www, 'app.js') }),
  build({ ...browser, entryPoints: [join(root, 'src/audio/worklet.ts')], outfile: join(www, 'worklet.js') }),
  build({
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    packages: 'external',
    logLevel: 'warning',
    entryPoints: [join(root, 'src/node/demo.ts')],
    outfile: join(root, 'dist', 'demo.js'),
    banner: { js: '#!/usr/bin/env node' },
  }),
  copyFile(join(root, 'src/page/index.html'), join(www, 'index.html')),
  copyFile(join(opusDir, 'opus.wasm'), join(www, 'opus.wasm')),
  copyFile(join(opusDir, 'simd.wasm'), join(www, 'opus-simd.wasm')),
]);

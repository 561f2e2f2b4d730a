// Takes the two screenshots of README.md with the real parts: the leitung-relay program, the built page
// in Debian's Chromium (playwright-core), and terminal phonebooks in headless mode. The TypeScript of the
// scenario (screenshots.ts) is bundled with esbuild first.
//
//   npm run build && node examples/web-phonebook/scripts/screenshots.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = await mkdtemp(join(here, '..', 'dist', 'screenshots-'));
try {
  const file = join(out, 'screenshots.mjs');
  await build({
    entryPoints: [join(here, 'screenshots.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: file,
    logLevel: 'warning',
  });
  const { takeScreenshots } = await import(pathToFileURL(file).href);
  const temp = await mkdtemp(join(tmpdir(), 'leitung-screenshots-'));
  try {
    await takeScreenshots(temp, join(here, '..', 'docs'));
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
} finally {
  await rm(out, { recursive: true, force: true });
}

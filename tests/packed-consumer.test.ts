/**
 * Consumer check: each library package is packed with `npm pack`, installed from the tarballs into a
 * scratch project outside the workspace, and every entry point of its `exports` is loaded with both `import`
 * and `require`, giving the same number of names; publint must find no error in any package. This is what a
 * user of the published packages gets.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWorkspacePackages } from './workspace.js';

const libraries = listWorkspacePackages().filter((p) => !p.private);
const scratch = mkdtempSync(join(tmpdir(), 'leitung-consumer-'));

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  const tarballs: string[] = [];
  for (const pkg of libraries) {
    const out = run('npm', ['pack', '--json', '--pack-destination', scratch], pkg.dir);
    const [info] = JSON.parse(out) as { filename: string }[];
    tarballs.push(join(scratch, info!.filename));
  }
  const app = join(scratch, 'app');
  run('mkdir', ['-p', app], scratch);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }),
  );
  // All tarballs in one install so sibling dependencies resolve to the packed versions, not a registry.
  // Install scripts are off: this checks packaging, not native builds.
  run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs],
    app,
  );
}, 600_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('packed packages', () => {
  it.each(libraries.map((p) => [p.name, p] as const))(
    '%s passes publint with no error',
    async (_name, pkg) => {
      const { messages, pkg: manifest } = await publint({ pkgDir: pkg.dir, level: 'warning', pack: 'npm' });
      const problems = messages.map((m) => `${m.type}: ${formatMessage(m, manifest, { color: false })}`);
      expect(problems.filter((p) => p.startsWith('error'))).toEqual([]);
    },
  );

  it.each(libraries.map((p) => [p.name, p] as const))('%s loads with import and require', (name, pkg) => {
    const app = join(scratch, 'app');
    // Every entry point of `exports` (the root and each subpath such as `/core`), in both module systems.
    const specifiers = Object.keys(pkg.manifest.exports as Record<string, unknown>)
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => `${name}${subpath.slice(1)}`);
    expect(specifiers).toContain(name);
    for (const specifier of specifiers) {
      const esm = run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length);`,
        ],
        app,
      );
      const cjs = run(
        process.execPath,
        ['-e', `console.log(Object.keys(require(${JSON.stringify(specifier)})).length);`],
        app,
      );
      expect(Number(esm.trim()), specifier).toBeGreaterThan(0);
      expect(Number(cjs.trim()), specifier).toBe(Number(esm.trim()));
    }
    // Only dist, README, LICENSE and package.json ship: no sources, tests or fixtures with keys. The relay
    // adds what its install script compiles (docs/relay.md "Batched media I/O"): C source, binding.gyp, the script.
    const installed = readdirSync(join(app, 'node_modules', ...name.split('/'))).sort();
    const shipped = ['LICENSE', 'README.md', 'dist', 'package.json'];
    if (name === '@leitung/relay') shipped.push('native', 'binding.gyp', 'scripts');
    for (const f of installed) expect(shipped).toContain(f);
  });

  // Subpath entries share chunks with the root, so an error thrown by a `/core` class is an instance of the
  // root's error class, in both module systems.
  it.each([
    ['@leitung/audio', "(await load('@leitung/audio/core')).decodePayload(new Uint8Array(1))", 'AudioError'],
    ['@leitung/relay', "(await load('@leitung/relay/core')).Blocklist.parse('not an address')", 'RelayError'],
  ] as const)('%s: instanceof holds across entry points', (name, failing, errorClass) => {
    const app = join(scratch, 'app');
    const check = (load: string) =>
      `const load = ${load}; try { ${failing}; console.log('no error'); } catch (e) { ` +
      `console.log(e instanceof (await load(${JSON.stringify(name)})).${errorClass}); }`;
    const esm = run(process.execPath, ['--input-type=module', '-e', check('(s) => import(s)')], app);
    const cjs = run(process.execPath, ['-e', `(async () => { ${check('async (s) => require(s)')} })()`], app);
    expect([esm.trim(), cjs.trim()]).toEqual(['true', 'true']);
  });
});

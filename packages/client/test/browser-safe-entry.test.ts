/**
 * `@leitung/client/browser` loads in a web page (docs/client.md "In a browser"): no node:* module and no
 * bare Node builtin is reachable from src/browser.ts — the import-graph walk over the sources says so,
 * including through the workspace packages as a browser bundler resolves them — and esbuild bundles the
 * built dist/browser.js for the browser platform, which it refuses to do when any module, third-party
 * ones included, needs a Node builtin.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { isNodeModule, walkImports } from './support/import-graph.js';

const DIST = resolve(import.meta.dirname, '..', 'dist');

/**
 * The third-party packages the browser entry loads. A new one is a decision (its browser support, its
 * size): the bundle test below checks inside it, this list makes it visible.
 */
const BROWSER_PACKAGES = [
  '@noble/curves',
  '@noble/hashes',
  '@noble/post-quantum',
  'eventemitter3',
  'node-forge',
  'unicode-confusables',
];

/** Bundles `entry` of the build for browsers, in memory; the error esbuild reports, if any. */
async function bundleForBrowser(
  entry: string,
): Promise<{ ok: true; inputs: string[] } | { ok: false; errors: string[] }> {
  const file = resolve(DIST, entry);
  if (!existsSync(file)) throw new Error(`${file} is missing: build the package first (npm run build)`);
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    return { ok: true, inputs: Object.keys(result.metafile.inputs) };
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors ?? [];
    return { ok: false, errors: errors.map((e) => e.text) };
  }
}

describe('browser-safe entry (import graph of the sources)', () => {
  it('src/browser.ts reaches no node:* module, no Node builtin, no Buffer and no Node-only call', () => {
    const graph = walkImports('browser.ts');
    expect(graph.nodeModules).toEqual([]);
    expect(graph.buffer).toEqual([]);
    expect(graph.nodeRuntime).toEqual([]);
    expect(graph.packages).toEqual(BROWSER_PACKAGES);
    // The walk went through the client shell and into the workspace packages.
    expect(graph.files.some((f) => f.endsWith('/client/src/shell/client-shell.ts'))).toBe(true);
    expect(graph.files.some((f) => f.endsWith('/crypto/src/portable.ts'))).toBe(true);
    expect(graph.files.some((f) => f.endsWith('/client/src/vault/browser-vault.ts'))).toBe(true);
  });

  it('the walk sees node:* modules deep in a graph: the Node entry reaches them (the check can fail)', () => {
    const nodeModules = walkImports('index.ts').nodeModules;
    expect(nodeModules).toContainEqual(expect.stringMatching(/monitor\/security-monitor\.ts -> node:fs$/));
    expect(nodeModules).toContainEqual(expect.stringMatching(/shell\/media-socket\.ts -> node:dgram$/));
    // …and the Node-only calls: the monitor reads `process`, the TCP connection unrefs its timer.
    const nodeRuntime = walkImports('index.ts').nodeRuntime;
    expect(nodeRuntime).toContainEqual(expect.stringMatching(/monitor\/security-monitor\.ts: .*process\./));
    expect(nodeRuntime).toContainEqual(expect.stringMatching(/shell\/control-connection\.ts: .*\.unref\(\)/));
    // The Node Client and the UDP MediaChannel of /core are where the Node defaults come in.
    expect(walkImports('shell/client.ts').nodeModules.length).toBeGreaterThan(0);
    expect(walkImports('shell/media-channel.ts').nodeModules.length).toBeGreaterThan(0);
  });

  it('bare builtins count as Node modules, packages do not', () => {
    for (const name of ['node:fs', 'fs', 'fs/promises', 'net', 'dgram', 'crypto', 'path', 'inspector']) {
      expect(isNodeModule(name)).toBe(true);
    }
    for (const name of ['eventemitter3', 'node-forge', '@noble/hashes/sha3']) {
      expect(isNodeModule(name)).toBe(false);
    }
  });
});

describe('browser-safe entry (esbuild bundle of the build, platform browser)', () => {
  it('dist/browser.js bundles for the browser with no Node builtin', async () => {
    const result = await bundleForBrowser('browser.js');
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.inputs.filter((input) => isNodeModule(input))).toEqual([]);
    // The bundle holds the portable crypto (node-forge), not the node:crypto backend.
    expect(result.inputs.some((input) => input.includes('node_modules/node-forge/'))).toBe(true);
    expect(result.inputs.some((input) => /crypto\/dist\/portable\.js$/.test(input))).toBe(true);
  });

  it('the same bundle of dist/index.js fails on its Node builtins (the check can fail)', async () => {
    const result = await bundleForBrowser('index.js');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // tsup writes builtins without the node: prefix; esbuild names each one it cannot resolve.
    expect(result.errors).toContainEqual(expect.stringMatching(/^Could not resolve "(node:)?net"/));
    expect(result.errors).toContainEqual(expect.stringMatching(/^Could not resolve "(node:)?dgram"/));
  });
});

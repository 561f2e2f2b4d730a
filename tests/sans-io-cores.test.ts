/**
 * Sans-I/O cores import no `node:*` module and use no `Buffer` global, directly or through anything they
 * import (docs/design.md §1: cores take bytes and `now` in and give bytes, events and timeouts out; shells own
 * sockets, files and timers). `Buffer` is Node's, not the platform's: a core works on Uint8Array. Walks the
 * relative-import graph of each core's source.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './workspace.js';

const CORES = [
  'packages/relay/src/core/relay-core.ts',
  'packages/relay/src/media/media-router.ts',
  'packages/client/src/core/client-core.ts',
  'packages/client/src/media/media-channel-core.ts',
  'packages/client/src/relays/relay-policy.ts',
  'packages/session/src/index.ts',
  'packages/wire/src/index.ts',
  'packages/merkle/src/index.ts',
];

const IMPORT = /^(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** Every source file reachable from `entry` through relative imports, `entry` first. */
function sourcesReachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(target)) walk(target);
    }
  };
  walk(join(REPO_ROOT, entry));
  return [...seen];
}

const relative = (file: string): string => file.slice(REPO_ROOT.length + 1);

/** Every `node:*` specifier reachable from `entry` through relative imports, as "file -> spec". */
function nodeImportsReachableFrom(entry: string): string[] {
  return sourcesReachableFrom(entry).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)]
      .map((m) => m[1]!)
      .filter((spec) => spec.startsWith('node:'))
      .map((spec) => `${relative(file)} -> ${spec}`),
  );
}

/** Source without comments (block and line): a comment may name `Buffer`, code may not. */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ''))
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const BUFFER = /\bBuffer\b/;

/** Every use of the `Buffer` global in `source`, as "line: code". */
function bufferUses(source: string): string[] {
  return withoutComments(source)
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => BUFFER.test(line))
    .map(({ line, n }) => `${n}: ${line}`);
}

/** Every use of `Buffer` in the files reachable from `entry`, as "file:line: code". */
function bufferUsesReachableFrom(entry: string): string[] {
  return sourcesReachableFrom(entry).flatMap((file) =>
    bufferUses(readFileSync(file, 'utf8')).map((use) => `${relative(file)}:${use}`),
  );
}

describe('sans-I/O cores', () => {
  it.each(CORES)('%s reaches no node:* module', (entry) => {
    expect(existsSync(join(REPO_ROOT, entry))).toBe(true);
    expect(nodeImportsReachableFrom(entry)).toEqual([]);
  });

  it.each(CORES)('%s reaches no use of the Buffer global', (entry) => {
    expect(bufferUsesReachableFrom(entry)).toEqual([]);
  });

  it('the walk finds node:* imports behind relative imports (the check can fail)', () => {
    // The relay shell owns sockets: its graph must show them.
    expect(nodeImportsReachableFrom('packages/relay/src/shell/relay.ts').length).toBeGreaterThan(0);
    expect(nodeImportsReachableFrom('packages/relay/src/protection/blocklist.ts')).toEqual([
      'packages/relay/src/protection/blocklist.ts -> node:net',
    ]);
  });

  it('the Buffer check sees code, not comments, behind relative imports (the check can fail)', () => {
    const source = [
      '/**',
      ' * Buffer named in a doc comment',
      ' */',
      'const a = 1; // Buffer in a line comment',
      'const url = "https://example.org/"; const b = Buffer.from(url);',
    ].join('\n');
    expect(bufferUses(source)).toEqual([
      '5: const url = "https://example.org/"; const b = Buffer.from(url);',
    ]);
    // The node:crypto backend is shell code on Node's Buffer: a walk that reaches it must say so.
    expect(bufferUsesReachableFrom('packages/crypto/src/index.ts')).toContainEqual(
      expect.stringMatching(/^packages\/crypto\/src\/backends\/node\.ts:\d+: .*Buffer\./),
    );
  });
});

/**
 * Sans-I/O cores import no `node:*` module, directly or through anything they import (docs/design.md §1: cores
 * take bytes and `now` in and give bytes, events and timeouts out; shells own sockets, files and timers).
 * Walks the relative-import graph of each core's source.
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
  'packages/session/src/index.ts',
  'packages/wire/src/index.ts',
  'packages/merkle/src/index.ts',
];

const IMPORT = /^(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** Every `node:*` specifier reachable from `entry` through relative imports, as "file -> spec". */
function nodeImportsReachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) found.push(`${file.slice(REPO_ROOT.length + 1)} -> ${spec}`);
      else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(target)) walk(target);
      }
    }
  };
  walk(join(REPO_ROOT, entry));
  return found;
}

describe('sans-I/O cores', () => {
  it.each(CORES)('%s reaches no node:* module', (entry) => {
    expect(existsSync(join(REPO_ROOT, entry))).toBe(true);
    expect(nodeImportsReachableFrom(entry)).toEqual([]);
  });

  it('the walk finds node:* imports behind relative imports (the check can fail)', () => {
    // The relay shell owns sockets: its graph must show them.
    expect(nodeImportsReachableFrom('packages/relay/src/shell/relay.ts').length).toBeGreaterThan(0);
    expect(nodeImportsReachableFrom('packages/relay/src/protection/blocklist.ts')).toEqual([
      'packages/relay/src/protection/blocklist.ts -> node:net',
    ]);
  });
});

/**
 * `@leitung/merkle/verify` stays free of tree-building code (clients stay small): its module graph
 * must not reach the log, its storage or the flat root; and the main entry offers everything it does.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as verify from '../src/verify.js';

const SRC = resolve(import.meta.dirname, '../src');

/** Every source module reachable from `entry` through relative imports (type-only imports included). */
function moduleGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(join(SRC, file), 'utf8');
    for (const match of source.matchAll(/from '\.\/([\w-]+)\.js'/g)) visit(`${match[1]}.ts`);
  };
  visit(entry);
  return seen;
}

describe('entry points', () => {
  it('the verify entry does not import tree-building code', () => {
    const graph = moduleGraph('verify.ts');
    for (const builder of ['log.ts', 'memory-storage.ts', 'storage.ts', 'perfect-nodes.ts', 'flat-root.ts']) {
      expect(graph.has(builder), builder).toBe(false);
    }
    expect(graph.has('verify-inclusion.ts')).toBe(true);
    expect(moduleGraph('index.ts').has('log.ts')).toBe(true);
  });

  it('the verify entry exports the verifiers and no log', () => {
    expect(Object.keys(verify)).toEqual(
      expect.arrayContaining([
        'verifyInclusion',
        'verifyConsistency',
        'verifySubtreeInclusion',
        'verifySubtreeConsistency',
        'verifyEntryInclusion',
        'encodeTreeHead',
        'verifyTreeHeadSignature',
        'checkTreeHeadUpdate',
        'TreeHeadTracker',
        'RootMismatchError',
      ]),
    );
    expect(Object.keys(verify)).not.toContain('MerkleLog');
    expect(Object.keys(verify)).not.toContain('MemoryStorage');
  });

  it('the main entry offers everything the verify entry does, as the same objects', () => {
    const mainExports = new Map(Object.entries(main));
    for (const [name, value] of Object.entries(verify)) expect(mainExports.get(name), name).toBe(value);
    expect(typeof main.MerkleLog).toBe('function');
    expect(typeof main.flatRoot).toBe('function');
  });
});

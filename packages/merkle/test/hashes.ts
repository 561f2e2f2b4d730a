/** Hash functions for tests: node:crypto's SHA-256 and SHA3-256 are faster than the pure-JS defaults. */

import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { HashFunction } from '../src/index.js';

export const NODE_SHA256: HashFunction = { size: 32, hash: (d) => createHash('sha256').update(d).digest() };
export const NODE_SHA3_256: HashFunction = {
  size: 32,
  hash: (d) => createHash('sha3-256').update(d).digest(),
};

/** Deterministic, distinct leaf data. */
export function leafData(i: number): Uint8Array {
  return new TextEncoder().encode(`leaf ${i}`);
}

export function hex(list: readonly Uint8Array[]): string[] {
  return list.map((h) => Buffer.from(h).toString('hex'));
}

/** Fails (with a readable hex diff) unless the two lists hold the same hashes; cheap when they do. */
export function expectSameHashes(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  const same =
    actual.length === expected.length &&
    actual.every((a, i) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), expected[i]!) === 0);
  if (!same) expect(hex(actual)).toEqual(hex(expected));
}

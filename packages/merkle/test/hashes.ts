/** Hash functions for tests: node:crypto's SHA-256 and SHA3-256 are faster than the pure-JS defaults. */
import { createHash } from 'node:crypto';
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

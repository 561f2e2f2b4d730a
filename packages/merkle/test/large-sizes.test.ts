/**
 * Sizes and indices beyond 32 bits, up to 2^53 − 1: the verifiers' arithmetic (which cannot use JS's
 * 32-bit operators there) against the naive RFC 9162 recursion. A tree whose leaves are all equal has
 * MTH depending only on the range length, so the naive PATH and PROOF can be evaluated for any size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProofLengthError, verifyConsistency, verifyInclusion } from '../src/index.js';
import { NODE_SHA256 } from './hashes.js';

const leaf = NODE_SHA256.hash(Uint8Array.of(0, 42));
const memo = new Map<number, Uint8Array>();

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of any n equal leaves. */
function mth(n: number): Uint8Array {
  if (n === 1) return leaf;
  const cached = memo.get(n);
  if (cached) return cached;
  const k = largestPowerOfTwoBelow(n);
  const out = NODE_SHA256.hash(Uint8Array.from([1, ...mth(k), ...mth(n - k)]));
  memo.set(n, out);
  return out;
}

/** RFC 9162 PATH(m, D[n]) for the uniform tree. */
function path(m: number, n: number): Uint8Array[] {
  if (n <= 1) return [];
  const k = largestPowerOfTwoBelow(n);
  return m < k ? [...path(m, k), mth(n - k)] : [...path(m - k, n - k), mth(k)];
}

/** RFC 9162 SUBPROOF(m, D[n], b) for the uniform tree. */
function subproof(m: number, n: number, b: boolean): Uint8Array[] {
  if (m === n) return b ? [] : [mth(n)];
  const k = largestPowerOfTwoBelow(n);
  return m <= k ? [...subproof(m, k, b), mth(n - k)] : [...subproof(m - k, n - k, false), mth(k)];
}

const MAX = Number.MAX_SAFE_INTEGER;
const bigSize = fc.oneof(
  fc.integer({ min: 2 ** 32 - 2, max: 2 ** 32 + 2 }),
  fc.integer({ min: 2 ** 32, max: MAX }),
  fc.constantFrom(MAX, 2 ** 52, 2 ** 52 + 1, 2 ** 53 - 2),
);

describe('sizes up to 2^53 − 1', () => {
  it('inclusion proofs from the naive recursion verify, and shifted indices do not', () => {
    fc.assert(
      fc.property(
        bigSize.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, i]) => {
          const proof = path(i, n);
          expect(proof.length).toBeLessThanOrEqual(53);
          verifyInclusion({ index: i, size: n, leafHash: leaf, proof, root: mth(n) }, NODE_SHA256);
          // Equal leaves make many positions indistinguishable by hash, but not by path shape: a
          // different index must fail unless it has the very same left/right pattern.
          const other = i === 0 ? n - 1 : i - 1;
          const otherPath = path(other, n);
          if (otherPath.length !== proof.length) {
            expect(() =>
              verifyInclusion({ index: other, size: n, leafHash: leaf, proof, root: mth(n) }, NODE_SHA256),
            ).toThrow(ProofLengthError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('consistency proofs from the naive recursion verify', () => {
    fc.assert(
      fc.property(
        bigSize.chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        ([m, n]) => {
          const proof = subproof(m, n, true);
          verifyConsistency({ oldSize: m, newSize: n, oldRoot: mth(m), newRoot: mth(n), proof }, NODE_SHA256);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/**
 * The incremental log against the naive reference tree (reference-tree.ts): roots, inclusion and
 * consistency proofs (and their subtree forms) agree for every size 1..300 with every leaf and every
 * pair of sizes, and for random sizes up to 100 000 (fast-check); every proof produced verifies.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MerkleLog,
  SHA3_256,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from '../src/index.js';
import { expectSameHashes, leafData, NODE_SHA256 } from './hashes.js';
import { ReferenceTree, validSubtrees } from './reference-tree.js';

/** Which of the 90 000 proofs of the 1..300 sweep also go through a verifier. */
function shouldVerify(n: number, k: number): boolean {
  return n <= 100 || (n + k) % 3 === 0;
}

describe('all sizes 1..300, every leaf and every pair of sizes', () => {
  const N = 300;
  const leaves = Array.from({ length: N }, (_, i) => leafData(i));
  const reference = new ReferenceTree(NODE_SHA256, leaves);
  const log = new MerkleLog({ hash: NODE_SHA256 });

  it('a log grown one leaf at a time matches the reference after every append', () => {
    // At each size n: the root, every inclusion proof (all n leaves) and every consistency proof (from
    // every m ≤ n) equal the reference's. All of them up to 100 leaves, and a third beyond (to keep the
    // suite fast), are also run through the verifiers.
    for (let n = 1; n <= N; n++) {
      log.append(leaves[n - 1]!);
      expect(log.size).toBe(n);
      const root = log.root();
      expectSameHashes([root], [reference.mth(0, n)]);
      for (let i = 0; i < n; i++) {
        const proof = log.inclusionProof(i);
        expectSameHashes(proof, reference.path(i, 0, n));
        if (shouldVerify(n, i)) {
          verifyInclusion({ index: i, size: n, leafHash: reference.leafHash(i), proof, root }, NODE_SHA256);
        }
      }
      for (let m = 1; m <= n; m++) {
        const proof = log.consistencyProof(m);
        expectSameHashes(proof, reference.proof(m, n));
        if (shouldVerify(n, m))
          verifyConsistency(
            { oldSize: m, newSize: n, oldRoot: reference.mth(0, m), newRoot: root, proof },
            NODE_SHA256,
          );
      }
    }
  }, 120_000);

  it('the grown log answers for every earlier size: roots, leaf hashes, and proofs', () => {
    // Normally grown by the test above; grown here when that one is filtered out.
    while (log.size < N) log.append(leaves[log.size]!);
    for (let n = 0; n <= N; n++) expectSameHashes([log.root(n)], [reference.mth(0, n)]);
    for (let i = 0; i < N; i++) expectSameHashes([log.leafHash(i)], [reference.leafHash(i)]);
    for (let n = 1; n <= N; n++) {
      for (let i = n % 3; i < n; i += 3) expectSameHashes(log.inclusionProof(i, n), reference.path(i, 0, n));
      for (let m = 1 + (n % 3); m <= n; m += 3)
        expectSameHashes(log.consistencyProof(m, n), reference.proof(m, n));
    }
  });

  it('every subtree inclusion and subtree consistency proof (sizes ≤ 64) matches and verifies', () => {
    for (let n = 1; n <= 64; n++) {
      while (log.size < n) log.append(leaves[log.size]!);
      const root = log.root(n);
      for (const [start, end] of validSubtrees(n)) {
        const subtreeRoot = log.subtreeRoot(start, end);
        expectSameHashes([subtreeRoot], [reference.mth(start, end)]);
        const consistency = log.subtreeConsistencyProof(start, end, n);
        expectSameHashes(consistency, reference.subtreeProof(start, end, n));
        verifySubtreeConsistency({ start, end, size: n, subtreeRoot, root, proof: consistency }, NODE_SHA256);
        if (end !== n) continue;
        for (let i = start; i < end; i++) {
          const proof = log.subtreeInclusionProof(i, start, end);
          expectSameHashes(proof, reference.path(i - start, start, end));
          verifySubtreeInclusion(
            { index: i, start, end, leafHash: reference.leafHash(i), proof, subtreeRoot },
            NODE_SHA256,
          );
        }
      }
    }
  });
});

describe('random sizes up to 100 000 (fast-check)', () => {
  const N = 100_000;
  const leaves = Array.from({ length: N }, (_, i) => leafData(i));
  const reference = new ReferenceTree(NODE_SHA256, leaves);
  const log = new MerkleLog({ hash: NODE_SHA256 });

  beforeAll(() => {
    for (let i = 0; i < N; i += 1000) log.appendMany(leaves.slice(i, i + 1000));
  });

  const sizeAndLeaf = fc
    .integer({ min: 1, max: N })
    .chain((n) =>
      fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n })),
    );

  it('roots, inclusion and consistency proofs agree with the reference and verify', () => {
    fc.assert(
      fc.property(sizeAndLeaf, ([n, i, m]) => {
        const root = log.root(n);
        expectSameHashes([root], [reference.mth(0, n)]);
        const inclusion = log.inclusionProof(i, n);
        expectSameHashes(inclusion, reference.path(i, 0, n));
        expect(inclusion.length).toBeLessThanOrEqual(17);
        verifyInclusion(
          { index: i, size: n, leafHash: reference.leafHash(i), proof: inclusion, root },
          NODE_SHA256,
        );
        const consistency = log.consistencyProof(m, n);
        expectSameHashes(consistency, reference.proof(m, n));
        verifyConsistency(
          { oldSize: m, newSize: n, oldRoot: log.root(m), newRoot: root, proof: consistency },
          NODE_SHA256,
        );
      }),
      { numRuns: 100 },
    );
  });

  it('a log grown to exactly n in random batches has the same root as the reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        (n, batches) => {
          const grown = new MerkleLog({ hash: NODE_SHA256 });
          let k = 0;
          while (grown.size < n) {
            const take = Math.min(batches[k++ % batches.length]!, n - grown.size);
            if (take === 1) grown.append(leaves[grown.size]!);
            else grown.appendMany(leaves.slice(grown.size, grown.size + take));
          }
          expectSameHashes([grown.root()], [reference.mth(0, n)]);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('default hash (SHA3-256, @noble/hashes)', () => {
  it('agrees with the reference tree over SHA3-256', () => {
    const leaves = Array.from({ length: 37 }, (_, i) => leafData(i));
    const reference = new ReferenceTree(SHA3_256, leaves);
    const log = new MerkleLog();
    log.appendMany(leaves);
    for (let n = 1; n <= leaves.length; n++) {
      expectSameHashes([log.root(n)], [reference.mth(0, n)]);
      for (let i = 0; i < n; i += 5) expectSameHashes(log.inclusionProof(i, n), reference.path(i, 0, n));
    }
  });
});
